/** Coupon pools running low: a warning per set, for the worker's log (and the same words on the dashboard). */
import { couponSetStatus, type CouponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';

export interface WarningLog {
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** The warning for one low set, with what to do about it. */
export function lowCouponPoolMessage(
  set: Pick<CouponSetStatus, 'setId' | 'available' | 'lowStockThreshold'>,
): string {
  return (
    `coupon pool low: set "${set.setId}" has ${set.available} code${set.available === 1 ? '' : 's'} available, ` +
    `below its threshold of ${set.lowStockThreshold}; journeys end with coupon_pool_exhausted once it is empty. ` +
    `Add codes with \`boomerang coupons generate ${set.setId} --count N\` or \`boomerang coupons import ${set.setId} FILE\``
  );
}

/**
 * Logs one warning line per coupon set with fewer available codes than its low_stock_threshold,
 * and returns those sets. Cheap (one aggregate query): meant to be called periodically by the worker.
 */
export async function checkCouponPools(
  db: Db,
  log: WarningLog,
  now = new Date(),
): Promise<CouponSetStatus[]> {
  const low = (await couponSetStatus(db, now)).filter((set) => set.low);
  for (const set of low) {
    log.warn(lowCouponPoolMessage(set), {
      couponSet: set.setId,
      available: set.available,
      lowStockThreshold: set.lowStockThreshold,
    });
  }
  return low;
}
