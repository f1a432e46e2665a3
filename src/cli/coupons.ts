/** `boomerang coupons import|generate|status`. */
import type { Command } from 'commander';
import {
  CouponFileError,
  couponSetStatus,
  generateCoupons,
  importCoupons,
  readCouponsCsv,
} from '../services/coupons.js';
import { CliError, type CliContext } from './context.js';
import { addListCommand } from './format.js';

const SET_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

function checkSetId(set: string): string {
  if (!SET_ID.test(set))
    throw new CliError(
      `coupon set "${set}": use lower-case letters, digits and dashes, e.g. "welcome-10"`,
      2,
    );
  return set;
}

function parseDate(value: string, what: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new CliError(
      `${what}: "${value}" is not a date (use ISO 8601, e.g. 2026-12-31 or 2026-12-31T23:59:00Z)`,
      2,
    );
  return date;
}

/** `--expires`: a date still ahead of `now` (codes that expire as they are added are no use). */
function parseExpiry(value: string, now: Date): Date {
  const date = parseDate(value, '--expires');
  if (date <= now)
    throw new CliError(
      `--expires: "${value}" (${date.toISOString()}) is in the past; the codes would be expired as they are added`,
      2,
    );
  return date;
}

export function registerCouponCommands(program: Command, ctx: CliContext): void {
  const coupons = program
    .command('coupons')
    .description('Coupon sets: unique codes that journeys assign');

  coupons
    .command('generate')
    .description('Add N unique random codes to a coupon set (created if new)')
    .argument('<set>', 'coupon set id, e.g. "low-clv"')
    .requiredOption('--count <n>', 'how many codes', (v) => Number.parseInt(v, 10))
    .option('--prefix <text>', 'code prefix, e.g. "WELCOME-"', '')
    .option('--expires <date>', 'expiry of every code (ISO 8601, still ahead)')
    .action(async (set: string, opts: { count: number; prefix: string; expires?: string }) => {
      if (!Number.isInteger(opts.count) || opts.count < 1 || opts.count > 10_000_000)
        throw new CliError('--count must be a whole number from 1 to 10,000,000', 2);
      const inserted = await generateCoupons(ctx.db(), checkSetId(set), opts.count, {
        prefix: opts.prefix,
        expiresAt: opts.expires ? parseExpiry(opts.expires, new Date()) : null,
      });
      console.log(`added ${inserted} codes to coupon set "${set}"`);
    });

  coupons
    .command('import')
    .description(
      'Import codes into a coupon set from a CSV with a `code` column and an optional `expires_at`',
    )
    .argument('<set>')
    .argument('<file>')
    .action(async (set: string, file: string) => {
      checkSetId(set);
      let read;
      try {
        read = await readCouponsCsv(file);
      } catch (err) {
        if (err instanceof CouponFileError) throw new CliError(err.message, 2);
        throw err;
      }
      const { codes, problems } = read;
      const result = await importCoupons(ctx.db(), set, codes);
      console.log(
        `coupon set "${set}": ${result.inserted} codes imported, ${result.duplicates} already present, ${problems.length} rejected`,
      );
      for (const p of problems.slice(0, 20)) console.error(`${file}: ${p}`);
      if (problems.length) process.exitCode = 1;
    });

  addListCommand(coupons, 'status', {
    description: 'Codes per set: available, assigned, redeemed; flags sets running low',
    load: () => couponSetStatus(ctx.db()),
    empty: 'no coupon sets yet; create one with `boomerang coupons generate SET --count N`',
    headers: ['set', 'available', 'assigned', 'redeemed', 'expired', 'total', 'stock'],
    row: (s) => [
      s.setId,
      String(s.available),
      String(s.assigned),
      String(s.redeemed),
      String(s.expiredUnassigned),
      String(s.total),
      s.low ? `LOW (< ${s.lowStockThreshold})` : '',
    ],
  });
}
