/** `boomerang coupons import|generate|status`. */
import type { Command } from 'commander';
import {
  CouponFileError,
  CouponInputError,
  couponSetStatus,
  generateCouponCodes,
  importCouponCodes,
  readCouponsCsv,
} from '../services/coupons.js';
import { CliError, type CliContext } from './context.js';
import { addListCommand } from './format.js';

/** What the user typed for each field a coupon command's input may be refused for. */
function flagOf(error: CouponInputError, set: string): string {
  if (error.field === 'set') return `coupon set "${set}"`;
  return `--${error.field}`;
}

/** Runs a coupon service call; a refused input becomes a usage error naming the option. */
async function explainInput<T>(set: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof CouponInputError)) throw err;
    throw new CliError(`${flagOf(err, set)}: ${err.detail}`, 2);
  }
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
      const inserted = await explainInput(set, () => generateCouponCodes(ctx.db(), set, opts));
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
      let read;
      try {
        read = await readCouponsCsv(file);
      } catch (err) {
        if (err instanceof CouponFileError) throw new CliError(err.message, 2);
        throw err;
      }
      const { codes, problems } = read;
      const result = await explainInput(set, () => importCouponCodes(ctx.db(), set, codes));
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
