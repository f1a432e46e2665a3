/** Coupon sets as `boomerang coupons` works with them: generate, import from a CSV, status. */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export {
  type CouponSetStatus,
  couponSetStatus,
  generateCoupons,
  importCoupons,
} from '../db/coupons.js';

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
