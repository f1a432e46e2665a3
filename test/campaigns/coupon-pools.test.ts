/** `campaign launch` warns before enrolling a campaign whose coupon pool is empty. */
import { describe, expect, it } from 'vitest';
import { couponSetsOf, emptyCouponPoolWarnings } from '../../src/campaigns/coupon-pools.js';
import type { CouponSetStatus } from '../../src/db/coupons.js';

const status = (setId: string, counts: Partial<CouponSetStatus>): CouponSetStatus => ({
  setId,
  name: setId,
  total: 0,
  assigned: 0,
  redeemed: 0,
  expiredUnassigned: 0,
  available: 0,
  lowStockThreshold: 100,
  low: true,
  ...counts,
});

describe('empty coupon pools at launch', () => {
  const lowClv = { id: 'low-clv-coupon', kind: 'low_clv_coupon', couponSet: 'low-clv' };

  it('names the coupon sets of a seed campaign and of a flow', () => {
    expect(couponSetsOf(lowClv)).toEqual(['low-clv']);
    expect(
      couponSetsOf({
        kind: 'flow',
        nodes: {
          start: { type: 'entry' },
          first: { type: 'coupon', couponSet: 'cart-10' },
          second: { type: 'coupon', couponSet: 'cart-10' },
          third: { type: 'coupon', couponSet: 'cart-20' },
        },
      }),
    ).toEqual(['cart-10', 'cart-20']);
  });

  it('warns about a set whose codes are all expired or assigned, not about one with codes', () => {
    expect(
      emptyCouponPoolWarnings(lowClv, [status('low-clv', { total: 5, expiredUnassigned: 5 })]),
    ).toEqual([
      'warning: coupon set "low-clv" has no code available (5 unassigned code(s) expired): every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with `boomerang coupons generate low-clv --count N` (or stop the campaign)',
    ]);
    expect(
      emptyCouponPoolWarnings(lowClv, [status('low-clv', { total: 2, assigned: 2 })])[0],
    ).toContain('(every code is assigned)');
    expect(
      emptyCouponPoolWarnings(lowClv, [status('low-clv', { total: 2, available: 1 })]),
    ).toEqual([]);
    expect(emptyCouponPoolWarnings({ kind: 'welcome_voucher' }, [])).toEqual([]);
  });
});
