/**
 * The low-CLV campaign end to end with every real part but the clock: real activities on real
 * Postgres, the time-skipping test server. Orders → daily recompute (models, indicators, segments)
 * → launch → one email per contact of "Customers to reengage", each with its own coupon →
 * 7 days later, a reminder with the same coupon to those who did not buy.
 */
import { describe, expect, it } from 'vitest';
import { signalPurchase } from '../../src/campaigns/lifecycle.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { controlTaskQueue, type JourneyResult } from '../../src/campaigns/journey-contract.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { recomputeIndicators } from '../../src/workflows/recompute.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useStack } from '../support/stack.js';

const DAY = 86_400_000;

describe("low-CLV coupon campaign on a shop's data", () => {
  const stack = useStack({
    timeSkipping: true,
    workers: { env: SHOP_ENV, searchAttributes: false },
    timeout: 120_000,
    setup: async ({ env, database }) => {
      // 240 customers over a year of orders: a few loyal repeat buyers, many one-off buyers.
      const now = await env.currentTimeMs();
      const rng = mulberry32(5);
      const contacts = await database.db
        .insertInto('contacts')
        .values(
          Array.from({ length: 240 }, (_, i) => ({
            email: `customer${i}@example.com`,
            first_name: `Customer${i}`,
            newsletter_status: i % 5 === 0 ? ('never' as const) : ('subscribed' as const),
          })),
        )
        .returning('id')
        .execute();
      const orders = contacts.flatMap(({ id }, i) => {
        const loyal = i % 4 === 0;
        const n = loyal ? 4 + Math.floor(rng() * 8) : 1 + Math.floor(rng() * 2);
        return Array.from({ length: n }, (_, k) => ({
          external_id: `o-${id}-${k}`,
          contact_id: id,
          placed_at: new Date(now - Math.floor(rng() * (loyal ? 120 : 365)) * DAY - DAY),
          total: Math.round((loyal ? 60 + rng() * 90 : 15 + rng() * 40) * 100) / 100,
          currency: 'EUR',
        }));
      });
      await database.db.insertInto('orders').values(orders).execute();
      await generateCoupons(database.db, 'low-clv', 400, { prefix: 'BACK-' });
      await saveCampaign(database.db, {
        id: 'low-clv',
        name: 'Reactivate low-CLV customers',
        kind: 'low_clv_coupon',
        couponSet: 'low-clv',
      });
    },
  });

  it('sends each segment member one email with its own coupon, then a reminder to those who did not buy', async () => {
    const { env, database } = stack;
    const taskQueue = stack.workers!.taskQueue;
    // As `boomerang indicators recompute` and `campaign launch` do: on the control workflows' queue.
    const recompute = await env.client.workflow.execute(recomputeIndicators, {
      taskQueue: controlTaskQueue(taskQueue),
      workflowId: 'recompute/test',
      args: [{}],
    });
    expect(recompute.models?.bgnbd).not.toBeNull();
    expect(recompute.models?.gammaGamma).not.toBeNull();
    const reengage = recompute.segments.find((s) => s.segment === 'Customers to reengage')!;

    // The segment, computed here without the segment compiler: subscribed, CLV 12m < 100, forecast < 1.
    const expected = (
      await database.db
        .selectFrom('contacts as c')
        .innerJoin('contact_indicators as i', 'i.contact_id', 'c.id')
        .select('c.id')
        .where('c.newsletter_status', '=', 'subscribed')
        .where('i.clv_12m', '<', 100)
        .where('i.forecast_purchases_12m', '<', 1)
        .orderBy('c.id')
        .execute()
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(reengage.entered).toBe(expected.length);

    const launch = await env.client.workflow.execute(launchCampaign, {
      taskQueue: controlTaskQueue(taskQueue),
      workflowId: 'launch/low-clv',
      args: [{ campaignId: 'low-clv', batchSize: 50 }],
    });
    expect(launch).toMatchObject({
      total: 240,
      scanned: 240,
      started: 240,
      alreadyEnrolled: 0,
      done: true,
    });

    const offers = async () =>
      database.db
        .selectFrom('messages')
        .selectAll()
        .where('campaign_id', '=', 'low-clv')
        .orderBy('contact_id')
        .execute();
    // A message's row is written when it is claimed, and marked sent once the provider took it.
    await until(
      async () => {
        const rows = await offers();
        return rows.length === expected.length && rows.every((m) => m.status !== 'sending') && rows;
      },
      'one offer email per segment member, each sent or failed',
      60_000,
    );
    const sent = await offers();
    expect(sent.map((m) => m.contact_id)).toEqual(expected);
    expect(
      sent.every((m) => m.channel === 'email' && m.provider === 'outbox' && m.status === 'sent'),
    ).toBe(true);

    const coupons = await database.db
      .selectFrom('coupons')
      .select(['code', 'contact_id'])
      .where('assignment_key', 'is not', null)
      .orderBy('contact_id')
      .execute();
    expect(coupons.map((c) => c.contact_id)).toEqual(expected);
    expect(new Set(coupons.map((c) => c.code)).size).toBe(expected.length);
    for (const message of sent) {
      const code = coupons.find((c) => c.contact_id === message.contact_id)!.code;
      expect(message.html).toContain(code);
      expect(message.text).toContain(code);
      expect(message.html).toContain(
        'href="https://shop.example/?utm_source=boomerang&amp;utm_medium=email&amp;utm_campaign=low-clv',
      );
      expect(message.headers['List-Unsubscribe']).toMatch(
        /^<https:\/\/shop\.example\/unsubscribe\?token=/,
      );
    }

    // Re-launching enrols nobody twice.
    const again = await env.client.workflow.execute(launchCampaign, {
      taskQueue,
      workflowId: 'launch/low-clv-again',
      args: [{ campaignId: 'low-clv' }],
    });
    expect(again).toMatchObject({ started: 0, alreadyEnrolled: 240 });

    // One member buys during the wait: the store's order and its signal.
    const buyer = expected[0]!;
    const placedAt = new Date((await env.currentTimeMs()) + DAY);
    await env.sleep('1 day');
    await database.db
      .insertInto('orders')
      .values({
        external_id: 'after-offer',
        contact_id: buyer,
        placed_at: placedAt,
        total: 42,
        currency: 'EUR',
      })
      .execute();
    expect(
      await signalPurchase({ client: env.client, db: database.db }, buyer, {
        orderId: 'after-offer',
        placedAt: placedAt.toISOString(),
        total: 42,
        currency: 'EUR',
      }),
    ).toBe(1);

    await env.sleep('7 days');
    const ended = async () =>
      Number(
        (
          await database.db
            .selectFrom('journeys')
            .select((eb) => eb.fn.count<number>('ended_at').as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    await until(async () => (await ended()) === 240, 'every journey to end', 60_000);
    const results: JourneyResult[] = [];
    for (const id of expected)
      results.push(
        (await env.client.workflow.getHandle(`low-clv/${id}`).result()) as JourneyResult,
      );
    expect(results[0]!.endReason).toBe('purchased');
    expect(results.slice(1).every((r) => r.endReason === 'completed')).toBe(true);

    const reminders = await database.db
      .selectFrom('messages')
      .select(['contact_id', 'text'])
      .where('campaign_id', '=', 'low-clv')
      .where('idempotency_key', 'like', '%/send_reminder')
      .orderBy('contact_id')
      .execute();
    expect(reminders.map((r) => r.contact_id)).toEqual(expected.slice(1));
    for (const r of reminders)
      expect(r.text).toContain(coupons.find((c) => c.contact_id === r.contact_id)!.code);

    const notInSegment = await database.db
      .selectFrom('journeys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('end_reason', '=', 'not_in_segment')
      .executeTakeFirstOrThrow();
    expect(Number(notInSegment.n)).toBe(240 - expected.length);
  }, 240_000);
});
