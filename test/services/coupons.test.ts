/**
 * The coupon service, as a shop's own code calls it: a set id, count or expiry it cannot use is
 * refused with the field named, before a set or a code is written.
 */
import { describe, expect, it } from 'vitest';
import {
  CouponInputError,
  couponSetStatus,
  generateCouponCodes,
  importCouponCodes,
} from '../../src/services/coupons.js';
import { useTestDatabase } from '../support/db.js';

describe('coupon service', () => {
  const database = useTestDatabase();
  const now = new Date('2026-12-08T12:00:00Z');
  const setIds = async () => (await couponSetStatus(database.db)).map((s) => s.setId);

  it('refuses a bad set id, count or expiry, naming the field, and writes nothing', async () => {
    const refusals: [string, Parameters<typeof generateCouponCodes>[2], string, string][] = [
      ['Bad Set', { count: 5 }, 'set', 'set "Bad Set": use lower-case letters'],
      ['zero', { count: 0 }, 'count', 'count: must be a whole number from 1 to 10,000,000'],
      ['half', { count: 2.5 }, 'count', 'count: must be a whole number'],
      ['someday', { count: 5, expires: 'someday' }, 'expires', 'expires: "someday" is not a date'],
      [
        'expired',
        { count: 5, expires: '2026-12-08T11:59:59Z', now },
        'expires',
        'expires: "2026-12-08T11:59:59Z" (2026-12-08T11:59:59.000Z) is in the past',
      ],
    ];
    for (const [set, generation, field, message] of refusals) {
      const refused = generateCouponCodes(database.db, set, generation);
      await expect(refused).rejects.toBeInstanceOf(CouponInputError);
      await expect(refused).rejects.toMatchObject({
        field,
        message: expect.stringContaining(message),
      });
    }
    await expect(
      importCouponCodes(database.db, 'Not A Set', [{ code: 'X-1' }]),
    ).rejects.toMatchObject({ field: 'set' });
    expect(await setIds()).toEqual([]);
  });

  it('adds codes that expire when asked, still ahead of now', async () => {
    expect(
      await generateCouponCodes(database.db, 'later', {
        count: 3,
        prefix: 'LATER-',
        expires: '2026-12-31',
        now,
      }),
    ).toBe(3);
    expect(await importCouponCodes(database.db, 'later', [{ code: 'LATER-OWN' }])).toEqual({
      inserted: 1,
      duplicates: 0,
    });
    expect(await couponSetStatus(database.db)).toMatchObject([
      { setId: 'later', total: 4, available: 4 },
    ]);
  });
});
