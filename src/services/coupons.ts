/** Coupon sets as `boomerang coupons` works with them: generate, import from a CSV, status. */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

import { generateCoupons, importCoupons } from '../db/coupons.js';
import type { Db } from '../db/database.js';

export { type CouponSetStatus, couponSetStatus } from '../db/coupons.js';

/** A coupon set's id or a generation's settings are refused; `field` names which, `detail` why. */
export class CouponInputError extends Error {
  override name = 'CouponInputError';
  constructor(
    readonly field: 'set' | 'count' | 'expires',
    readonly detail: string,
    subject: string = field,
  ) {
    super(`${subject}: ${detail}`);
  }
}

const SET_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The most codes one generation adds. */
export const MAX_GENERATED_CODES = 10_000_000;

function checkSetId(setId: string): void {
  if (!SET_ID.test(setId))
    throw new CouponInputError(
      'set',
      'use lower-case letters, digits and dashes, e.g. "welcome-10"',
      `set "${setId}"`,
    );
}

/** An expiry still ahead of `now`: codes that expire as they are added are no use. */
function expiryAhead(expires: string | Date, now: Date): Date {
  const date = new Date(expires);
  if (Number.isNaN(date.getTime()))
    throw new CouponInputError(
      'expires',
      `"${String(expires)}" is not a date (use ISO 8601, e.g. 2026-12-31 or 2026-12-31T23:59:00Z)`,
    );
  if (date <= now)
    throw new CouponInputError(
      'expires',
      `"${String(expires)}" (${date.toISOString()}) is in the past; the codes would be expired as they are added`,
    );
  return date;
}

export interface CodeGeneration {
  count: number;
  /** Put before every code, e.g. "WELCOME-". */
  prefix?: string;
  /** When every code expires (ISO 8601 or a Date), still ahead of `now`; none when left out. */
  expires?: string | Date;
  now?: Date;
}

/**
 * Adds `count` unique random codes to a coupon set (created if new). Throws CouponInputError,
 * before anything is written, for a set id, count or expiry that cannot be used.
 */
export async function generateCouponCodes(
  db: Db,
  setId: string,
  generation: CodeGeneration,
): Promise<number> {
  checkSetId(setId);
  const { count, prefix, expires } = generation;
  if (!Number.isInteger(count) || count < 1 || count > MAX_GENERATED_CODES)
    throw new CouponInputError(
      'count',
      `must be a whole number from 1 to ${MAX_GENERATED_CODES.toLocaleString('en')}`,
    );
  const expiresAt =
    expires === undefined ? null : expiryAhead(expires, generation.now ?? new Date());
  return generateCoupons(db, setId, count, { prefix: prefix ?? '', expiresAt });
}

/**
 * Imports given codes into a coupon set (created if new); codes already present, in any set, are
 * left as they are. Throws CouponInputError for a set id that cannot be used.
 */
export async function importCouponCodes(
  db: Db,
  setId: string,
  codes: { code: string; expiresAt?: Date | null }[],
): Promise<{ inserted: number; duplicates: number }> {
  checkSetId(setId);
  return importCoupons(db, setId, codes);
}

/** The CSV cannot be imported at all: unreadable, or without a `code` column. */
export class CouponFileError extends Error {
  override name = 'CouponFileError';
}

/**
 * The codes of a CSV with a `code` column and an optional `expires_at`, for importCoupons. Rows
 * without a code or with a bad date are left out, each named in `problems`. Throws CouponFileError.
 */
export async function readCouponsCsv(
  file: string,
): Promise<{ codes: { code: string; expiresAt: Date | null }[]; problems: string[] }> {
  const codes: { code: string; expiresAt: Date | null }[] = [];
  const problems: string[] = [];
  const source = createReadStream(file);
  const parser = source.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
    }),
  );
  // pipe() does not pass on the file's error (a missing file): the parser would wait forever.
  source.once('error', (err) => parser.destroy(err));
  let line = 1;
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      line++;
      if (line === 2 && !('code' in row))
        throw new CouponFileError(`${file}: no "code" column in the header`);
      if (!row.code) {
        problems.push(`line ${line}: code is empty`);
        continue;
      }
      const expires = row.expires_at ? new Date(row.expires_at) : null;
      if (expires && Number.isNaN(expires.getTime())) {
        problems.push(`line ${line}: expires_at "${row.expires_at}" is not a date`);
        continue;
      }
      codes.push({ code: row.code, expiresAt: expires });
    }
  } catch (err) {
    if (err instanceof CouponFileError) throw err;
    throw new CouponFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return { codes, problems };
}
