/** Coupon sets and their codes: import, generation, atomic claim, redemption, stock. */
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { type Db, type Executor } from './database.js';

export interface AssignedCoupon {
  code: string;
  expiresAt: Date | null;
}

export class CouponPoolExhaustedError extends Error {
  constructor(readonly setId: string) {
    super(`coupon pool exhausted: coupon set "${setId}" has no unassigned, unexpired code left`);
    this.name = 'CouponPoolExhaustedError';
  }
}

export class UnknownCouponSetError extends Error {
  constructor(
    readonly setId: string,
    known: string[],
  ) {
    super(
      `unknown coupon set "${setId}"${known.length ? `; known sets: ${known.join(', ')}` : '; create one with `boomerang coupons generate` or `boomerang coupons import`'}`,
    );
    this.name = 'UnknownCouponSetError';
  }
}

export async function ensureCouponSet(
  db: Executor,
  set: { id: string; name?: string; description?: string; lowStockThreshold?: number },
): Promise<void> {
  await db
    .insertInto('coupon_sets')
    .values({
      id: set.id,
      name: set.name ?? set.id,
      description: set.description ?? null,
      low_stock_threshold: set.lowStockThreshold,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

async function assertSetExists(db: Executor, setId: string): Promise<void> {
  const set = await db
    .selectFrom('coupon_sets')
    .select('id')
    .where('id', '=', setId)
    .executeTakeFirst();
  if (!set) {
    const known = await db.selectFrom('coupon_sets').select('id').orderBy('id').execute();
    throw new UnknownCouponSetError(
      setId,
      known.map((k) => k.id),
    );
  }
}

/** The code already assigned under this key (by an earlier attempt of the same step), if any. */
async function couponAssignedUnder(
  db: Db,
  assignmentKey: string,
): Promise<AssignedCoupon | undefined> {
  const row = await db
    .selectFrom('coupons')
    .select(['code', 'expires_at'])
    .where('assignment_key', '=', assignmentKey)
    .executeTakeFirst();
  return row && { code: row.code, expiresAt: row.expires_at };
}

/**
 * Claims one code for a journey step. The same assignment key always gets the same code back (a
 * retried activity), and concurrent claims never share a code (FOR UPDATE SKIP LOCKED).
 * `validFor` (ms) caps the code's expiry at now + validFor ("a voucher that expires in a few days").
 */
export async function assignCoupon(
  db: Db,
  claim: {
    setId: string;
    assignmentKey: string;
    contactId: number;
    validForMs?: number;
    now?: Date;
  },
): Promise<AssignedCoupon> {
  const existing = await couponAssignedUnder(db, claim.assignmentKey);
  if (existing) return existing;
  await assertSetExists(db, claim.setId);

  const now = claim.now ?? new Date();
  const cap = claim.validForMs !== undefined ? new Date(now.getTime() + claim.validForMs) : null;
  try {
    // Kysely has no UPDATE … LIMIT: the locked sub-select picks the one row to claim.
    const claimed = await sql<{ code: string; expires_at: Date | null }>`
        UPDATE coupons SET
          assignment_key = ${claim.assignmentKey},
          contact_id = ${claim.contactId},
          assigned_at = ${now},
          expires_at = CASE
            WHEN ${cap}::timestamptz IS NULL THEN expires_at
            WHEN expires_at IS NULL OR expires_at > ${cap}::timestamptz THEN ${cap}::timestamptz
            ELSE expires_at END
        WHERE id = (
          SELECT id FROM coupons
          WHERE set_id = ${claim.setId} AND assignment_key IS NULL AND (expires_at IS NULL OR expires_at > ${now})
          ORDER BY id
          FOR UPDATE SKIP LOCKED
          LIMIT 1)
        RETURNING code, expires_at`.execute(db);
    const row = claimed.rows[0];
    if (!row) throw new CouponPoolExhaustedError(claim.setId);
    return { code: row.code, expiresAt: row.expires_at };
  } catch (err) {
    // A concurrent attempt of the same step won the race: its code is ours.
    if ((err as { code?: string }).code === '23505') {
      const winner = await couponAssignedUnder(db, claim.assignmentKey);
      if (winner) return winner;
    }
    throw err;
  }
}

/** Records that an order used a code (first redemption wins). Returns whether a coupon matched. */
export async function recordRedemption(
  db: Executor,
  code: string,
  orderId: number,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('coupons')
    .set({ redeemed_order_id: orderId, redeemed_at: at })
    .where(sql`upper(code)`, '=', code.toUpperCase())
    .where('redeemed_order_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: codes are typed by hand

export function randomCode(prefix: string, length = 8): string {
  let code = prefix;
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** Codes go in at most this many rows an INSERT. */
const INSERT_BATCH = 1000;

/** Inserts the rows whose code is not taken yet (in any set); returns how many went in. */
async function insertNewCodes(
  db: Db,
  rows: { set_id: string; code: string; expires_at: Date | null }[],
): Promise<number> {
  const result = await db
    .insertInto('coupons')
    .values(rows)
    .onConflict((oc) => oc.column('code').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** Adds `count` unique random codes to a set (creating it), skipping the rare collision. */
export async function generateCoupons(
  db: Db,
  setId: string,
  count: number,
  opts: { prefix?: string; expiresAt?: Date | null } = {},
): Promise<number> {
  await ensureCouponSet(db, { id: setId });
  let inserted = 0;
  while (inserted < count) {
    const batch = Math.min(INSERT_BATCH, count - inserted);
    const rows = Array.from({ length: batch }, () => ({
      set_id: setId,
      code: randomCode(opts.prefix ?? ''),
      expires_at: opts.expiresAt ?? null,
    }));
    inserted += await insertNewCodes(db, rows);
  }
  return inserted;
}

/** Imports given codes into a set; codes already present (in any set) are left as they are. */
export async function importCoupons(
  db: Db,
  setId: string,
  codes: { code: string; expiresAt?: Date | null }[],
): Promise<{ inserted: number; duplicates: number }> {
  await ensureCouponSet(db, { id: setId });
  let inserted = 0;
  for (let i = 0; i < codes.length; i += INSERT_BATCH) {
    const rows = codes
      .slice(i, i + INSERT_BATCH)
      .map((c) => ({ set_id: setId, code: c.code, expires_at: c.expiresAt ?? null }));
    inserted += await insertNewCodes(db, rows);
  }
  return { inserted, duplicates: codes.length - inserted };
}

export interface CouponSetStatus {
  setId: string;
  name: string;
  total: number;
  assigned: number;
  redeemed: number;
  expiredUnassigned: number;
  available: number;
  lowStockThreshold: number;
  low: boolean;
}

export async function couponSetStatus(db: Executor, now = new Date()): Promise<CouponSetStatus[]> {
  const rows = await db
    .selectFrom('coupon_sets as s')
    .leftJoin('coupons as c', 'c.set_id', 's.id')
    .select((eb) => [
      's.id',
      's.name',
      's.low_stock_threshold',
      eb.fn.count<number>('c.id').as('total'),
      sql<number>`count(*) FILTER (WHERE c.assignment_key IS NOT NULL)`.as('assigned'),
      sql<number>`count(*) FILTER (WHERE c.redeemed_order_id IS NOT NULL)`.as('redeemed'),
      sql<number>`count(*) FILTER (WHERE c.id IS NOT NULL AND c.assignment_key IS NULL AND c.expires_at <= ${now})`.as(
        'expired',
      ),
      sql<number>`count(*) FILTER (WHERE c.id IS NOT NULL AND c.assignment_key IS NULL AND (c.expires_at IS NULL OR c.expires_at > ${now}))`.as(
        'available',
      ),
    ])
    .groupBy(['s.id', 's.name', 's.low_stock_threshold'])
    .orderBy('s.id')
    .execute();
  return rows.map((r) => ({
    setId: r.id,
    name: r.name,
    total: Number(r.total),
    assigned: Number(r.assigned),
    redeemed: Number(r.redeemed),
    expiredUnassigned: Number(r.expired),
    available: Number(r.available),
    lowStockThreshold: r.low_stock_threshold,
    low: Number(r.available) < r.low_stock_threshold,
  }));
}
