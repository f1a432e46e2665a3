import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCouponActivities } from '../../src/activities/coupons.js';
import {
  assignCoupon,
  couponSetStatus,
  generateCoupons,
  importCoupons,
  recordRedemption,
} from '../../src/db/coupons.js';
import { useTestDatabase } from '../support/db.js';
import { insertContact } from '../support/orders.js';

describe('coupons', () => {
  const database = useTestDatabase();
  let contactId: number;
  beforeAll(async () => {
    contactId = await insertContact(database.db, 'ada@example.com');
    await database.db
      .insertInto('campaigns')
      .values({ id: 'c1', kind: 'low_clv_coupon', name: 'c1', definition: '{}' })
      .execute();
  });

  const run = (
    workflowId: string,
    input: Parameters<ReturnType<typeof createCouponActivities>['assignCoupon']>[0],
  ) =>
    new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'r' } }).run(
      createCouponActivities({ db: database.db }).assignCoupon,
      input,
    ) as Promise<{
      code: string;
      expiresAt: string | null;
    }>;

  /** The step's input for campaign c1's contact drawing from `couponSet`. */
  const fromSet = (couponSet: string) => ({
    step: `coupon:${couponSet}`,
    campaignId: 'c1',
    contactId,
    couponSet,
  });

  it('gives the same step the same code on every retry, and records the assignment once', async () => {
    await importCoupons(database.db, 'same', [{ code: 'SAME-1' }, { code: 'SAME-2' }]);
    const input = fromSet('same');
    const first = await run('c1/1', input);
    const retry = await run('c1/1', input);
    expect(retry.code).toBe(first.code);
    const other = await run('c1/2', input);
    expect(other.code).not.toBe(first.code);
    const events = await database.db
      .selectFrom('journey_events')
      .select('type')
      .where('workflow_id', '=', 'c1/1')
      .execute();
    expect(events).toEqual([{ type: 'coupon_assigned' }]);
  });

  it('never hands one code to two concurrent claims', async () => {
    await generateCoupons(database.db, 'race', 50, { prefix: 'R-' });
    const claims = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        assignCoupon(database.db, { setId: 'race', assignmentKey: `race/${i}/coupon`, contactId }),
      ),
    );
    expect(new Set(claims.map((c) => c.code)).size).toBe(40);
    const [status] = (await couponSetStatus(database.db)).filter((s) => s.setId === 'race');
    expect(status).toMatchObject({ total: 50, assigned: 40, available: 10 });
  });

  it('fails without retry, naming the set, when the pool is empty; expired codes do not count', async () => {
    await importCoupons(database.db, 'tiny', [
      { code: 'TINY-1' },
      { code: 'TINY-OLD', expiresAt: new Date('2020-01-01') },
    ]);
    await run('tiny/1', fromSet('tiny'));
    const error = await run('tiny/2', fromSet('tiny')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      type: 'CouponPoolExhausted',
      nonRetryable: true,
      message: expect.stringMatching(/coupon pool exhausted.*"tiny"/),
    });
  });

  it('rejects an unknown coupon set without retry, listing the known ones', async () => {
    const error = await run('x/1', fromSet('nope')).catch((e: unknown) => e);
    expect(error).toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(/unknown coupon set "nope"; known sets: .*same/),
    });
  });

  it('caps the expiry of a voucher at its validity, keeping an earlier expiry of its own', async () => {
    const now = new Date('2026-11-23T10:00:00Z');
    await importCoupons(database.db, 'valid', [
      { code: 'V-NONE' },
      { code: 'V-SOON', expiresAt: new Date('2026-11-24T00:00:00Z') },
    ]);
    const a = await assignCoupon(database.db, {
      setId: 'valid',
      assignmentKey: 'v/1',
      contactId,
      validForMs: 5 * 86_400_000,
      now,
    });
    const b = await assignCoupon(database.db, {
      setId: 'valid',
      assignmentKey: 'v/2',
      contactId,
      validForMs: 5 * 86_400_000,
      now,
    });
    expect([a.code, a.expiresAt?.toISOString()]).toEqual(['V-NONE', '2026-11-28T10:00:00.000Z']);
    expect([b.code, b.expiresAt?.toISOString()]).toEqual(['V-SOON', '2026-11-24T00:00:00.000Z']);
  });

  it('records a redemption once, whatever the case of the code', async () => {
    await importCoupons(database.db, 'redeem', [{ code: 'RED-1' }]);
    const order = await database.db
      .insertInto('orders')
      .values({
        external_id: 'o-red',
        contact_id: contactId,
        placed_at: new Date(),
        total: 10,
        currency: 'EUR',
        coupon_code: 'red-1',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await recordRedemption(database.db, 'red-1', order.id, new Date())).toBe(true);
    expect(await recordRedemption(database.db, 'RED-1', order.id, new Date())).toBe(false);
    const [status] = (await couponSetStatus(database.db)).filter((s) => s.setId === 'redeem');
    expect(status!.redeemed).toBe(1);
  });
});
