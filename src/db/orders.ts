/**
 * Orders repository: idempotent upserts keyed by (source, external id), and the purchase counts
 * that segment activity conditions and campaigns ask about.
 *
 * Only `paid` orders are purchases: cancelled and refunded orders are kept (they are part of the
 * history the store sent) but never counted.
 */
import { sql } from 'kysely';
import { type Executor, inTransaction } from './database.js';
import { runsWithDistinctKeys } from './runs.js';
import type { OrderRow, OrderStatus } from './schema.js';

export const ORDER_STATUSES = [
  'paid',
  'cancelled',
  'refunded',
] as const satisfies readonly OrderStatus[];
export type { OrderStatus };

/** Where orders come from when the input does not say (CSV import). */
export const DEFAULT_ORDER_SOURCE = 'import';

export interface Order {
  id: number;
  /** Where the order came from (`import`, `shopify`, …); external ids are unique per source. */
  source: string;
  externalId: string;
  contactId: number;
  placedAt: Date;
  total: number;
  /** ISO 4217. */
  currency: string;
  couponCode: string | null;
  status: OrderStatus;
  /** The store's id of the checkout the order completes. */
  checkoutId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An order as a source states it. An upsert replaces every field of a known order. */
export interface OrderInput {
  source?: string;
  externalId: string;
  contactId: number;
  placedAt: Date;
  /** ≥ 0, stored with two decimals. */
  total: number;
  currency: string;
  couponCode?: string | null;
  /** Default `paid`. */
  status?: OrderStatus;
  /** The checkout the order completes; absent keeps the one known. */
  checkoutId?: string;
}

export type OrderUpsertAction = 'inserted' | 'updated' | 'unchanged';

export interface UpsertOrderResult {
  order: Order;
  action: OrderUpsertAction;
}

export class OrderValidationError extends Error {
  override name = 'OrderValidationError';
}

export function toOrder(row: OrderRow): Order {
  return {
    id: Number(row.id),
    source: row.source,
    externalId: row.external_id,
    contactId: Number(row.contact_id),
    placedAt: row.placed_at,
    total: Number(row.total),
    currency: row.currency,
    couponCode: row.coupon_code,
    status: row.status,
    checkoutId: row.checkout_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The problem with an order input, naming the field, or null. */
export function checkOrderInput(input: OrderInput): string | null {
  if (!input.externalId?.trim()) return 'externalId: must not be empty';
  if (!Number.isInteger(input.contactId) || input.contactId <= 0)
    return 'contactId: must be a contact id';
  if (!(input.placedAt instanceof Date) || Number.isNaN(input.placedAt.getTime()))
    return 'placedAt: must be a valid date';
  if (!Number.isFinite(input.total) || input.total < 0 || input.total >= 1e12)
    return 'total: must be a number ≥ 0 (below 10^12)';
  if (!/^[A-Z]{3}$/.test(input.currency))
    return `currency: "${input.currency}" is not an ISO 4217 code such as EUR`;
  if (input.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(input.status)) {
    return `status: "${input.status}" is not one of ${ORDER_STATUSES.join(', ')}`;
  }
  return null;
}

/** Whether a stored order already says what `row` says (totals compared in cents, as stored). */
function sameOrder(
  stored: OrderRow,
  row: {
    contact_id: number;
    placed_at: Date;
    total: number;
    currency: string;
    coupon_code: string | null;
    status: OrderStatus;
    checkout_id: string | null;
  },
): boolean {
  return (
    Number(stored.contact_id) === row.contact_id &&
    stored.placed_at.getTime() === row.placed_at.getTime() &&
    Math.round(Number(stored.total) * 100) === Math.round(row.total * 100) &&
    stored.currency === row.currency &&
    stored.coupon_code === row.coupon_code &&
    stored.status === row.status &&
    (row.checkout_id === null || stored.checkout_id === row.checkout_id)
  );
}

/** Insert or update one order. Throws OrderValidationError for a bad input. */
export async function upsertOrder(db: Executor, input: OrderInput): Promise<UpsertOrderResult> {
  const [result] = await upsertOrders(db, [input]);
  if (!result) throw new Error('unreachable: upsertOrders returned no result');
  return result;
}

const orderKey = (source: string, externalId: string): string => `${source}\u0000${externalId}`;

/**
 * Insert or update many orders, one result per input in order: one SELECT of the known keys and
 * one `INSERT … ON CONFLICT (source, external_id) DO UPDATE … WHERE <something differs>` per run
 * of inputs without a repeated key, for the orders that are new or differ. Unchanged orders are
 * not written. Throws OrderValidationError
 * (before writing anything) if an input is invalid: validate first (see `checkOrderInput`).
 */
export async function upsertOrders(
  db: Executor,
  inputs: readonly OrderInput[],
): Promise<UpsertOrderResult[]> {
  for (const input of inputs) {
    const problem = checkOrderInput(input);
    if (problem) throw new OrderValidationError(`order "${input.externalId}": ${problem}`);
  }
  const results: UpsertOrderResult[] = [];
  await inTransaction(db, async (trx) => {
    for (const run of runsWithDistinctKeys(inputs, (i) => [
      orderKey(i.source ?? DEFAULT_ORDER_SOURCE, i.externalId),
    ])) {
      const rows = run.map((i) => ({
        source: i.source ?? DEFAULT_ORDER_SOURCE,
        external_id: i.externalId,
        contact_id: i.contactId,
        placed_at: i.placedAt,
        total: i.total,
        currency: i.currency,
        coupon_code: i.couponCode ?? null,
        status: i.status ?? 'paid',
        checkout_id: i.checkoutId ?? null,
      }));
      const known = await trx
        .selectFrom('orders')
        .selectAll()
        .where('source', 'in', [...new Set(rows.map((r) => r.source))])
        .where(
          'external_id',
          'in',
          rows.map((r) => r.external_id),
        )
        .execute();
      const knownByKey = new Map(known.map((r) => [orderKey(r.source, r.external_id), r]));
      // Orders known with the same values are not written at all.
      const toWrite = rows.filter((row) => {
        const k = knownByKey.get(orderKey(row.source, row.external_id));
        return !k || !sameOrder(k, row);
      });
      const written =
        toWrite.length === 0
          ? []
          : await trx
              .insertInto('orders')
              .values(toWrite)
              .onConflict((oc) =>
                oc
                  .columns(['source', 'external_id'])
                  .doUpdateSet((eb) => ({
                    contact_id: eb.ref('excluded.contact_id'),
                    placed_at: eb.ref('excluded.placed_at'),
                    total: eb.ref('excluded.total'),
                    currency: eb.ref('excluded.currency'),
                    coupon_code: eb.ref('excluded.coupon_code'),
                    status: eb.ref('excluded.status'),
                    checkout_id: sql<
                      string | null
                    >`coalesce(excluded.checkout_id, orders.checkout_id)`,
                    updated_at: sql<Date>`now()`,
                  }))
                  .where(
                    sql<boolean>`(orders.contact_id, orders.placed_at, orders.total, orders.currency, orders.coupon_code, orders.status, orders.checkout_id)
                      IS DISTINCT FROM
                      (excluded.contact_id, excluded.placed_at, excluded.total, excluded.currency, excluded.coupon_code, excluded.status, coalesce(excluded.checkout_id, orders.checkout_id))`,
                  ),
              )
              .returningAll()
              .execute();
      const writtenByKey = new Map(written.map((r) => [orderKey(r.source, r.external_id), r]));
      for (const row of rows) {
        const key = orderKey(row.source, row.external_id);
        const w = writtenByKey.get(key);
        const k = knownByKey.get(key);
        if (w) results.push({ order: toOrder(w), action: k ? 'updated' : 'inserted' });
        else if (k) results.push({ order: toOrder(k), action: 'unchanged' });
        else
          throw new Error(`order ${row.source}/${row.external_id} was neither written nor found`);
      }
    }
  });
  return results;
}

/** An order by its source and id; with `lock`, its row locked (FOR UPDATE) until the transaction ends. */
export async function findOrder(
  db: Executor,
  externalId: string,
  source = DEFAULT_ORDER_SOURCE,
  opts: { lock?: boolean } = {},
): Promise<Order | undefined> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .$if(opts.lock === true, (q) => q.forUpdate())
    .executeTakeFirst();
  return row && toOrder(row);
}

/**
 * Keeps a partial refund of an order; false when it was kept already (the same order, time and
 * amount, in cents), so that flows are told of each partial refund once.
 */
export async function recordPartialRefund(
  db: Executor,
  refund: { orderId: number; refundedAt: Date; amount: number },
): Promise<boolean> {
  const inserted = await db
    .insertInto('partial_refunds')
    .values({ order_id: refund.orderId, refunded_at: refund.refundedAt, amount: refund.amount })
    .onConflict((oc) => oc.constraint('partial_refunds_once').doNothing())
    .returning('order_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The sum of an order's partial refunds kept (0 without any). */
export async function partialRefundsTotal(db: Executor, orderId: number): Promise<number> {
  const row = await db
    .selectFrom('partial_refunds')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), eb.lit(0)).as('total'))
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

export interface PurchaseTotals {
  /** Paid orders. */
  count: number;
  /** Sum of their totals. */
  amount: number;
}

/** Paid orders of a contact placed in [since, until] (either end open when omitted). */
export async function purchaseTotals(
  db: Executor,
  contactId: number,
  window: { since?: Date; until?: Date } = {},
): Promise<PurchaseTotals> {
  let query = db
    .selectFrom('orders')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.coalesce(eb.fn.sum<number>('total'), eb.lit(0)).as('amount'),
    ])
    .where('contact_id', '=', contactId)
    .where('status', '=', 'paid');
  if (window.since) query = query.where('placed_at', '>=', window.since);
  if (window.until) query = query.where('placed_at', '<=', window.until);
  const row = await query.executeTakeFirstOrThrow();
  return { count: Number(row.count), amount: Number(row.amount) };
}

/** Paid orders of a contact placed since `since` (refunds and cancellations are not purchases). */
export async function countPurchases(
  db: Executor,
  contactId: number,
  since: Date,
  until?: Date,
): Promise<number> {
  return (await purchaseTotals(db, contactId, { since, until })).count;
}

/** Orders of a contact, newest first. */
export async function listOrders(
  db: Executor,
  contactId: number,
  opts: { limit?: number } = {},
): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('contact_id', '=', contactId)
    .orderBy('placed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 100)
    .execute();
  return rows.map(toOrder);
}
