/**
 * The report on events written by real journeys: the welcome campaign with a 30% control group on
 * a small population, real activities on real Postgres, the time-skipping test server (the approach
 * of test/e2e/low-clv-campaign.test.ts). Some contacts buy during the first wait, some redeem their
 * voucher during the second, the rest get the reminders. The report's funnel, endings, messages
 * and attribution are checked against the journeys' own results (their step lists and end reasons)
 * and the orders the test placed.
 */
import { describe, expect, it } from 'vitest';
import { signalPurchase, startJourney } from '../../src/campaigns/lifecycle.js';
import { getCampaign, saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons, recordRedemption } from '../../src/db/coupons.js';
import type { WelcomeVoucherCampaign } from '../../src/domain/campaigns/definition.js';
import { isHeldOut } from '../../src/domain/campaigns/holdout.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useStack } from '../support/stack.js';

const CAMPAIGN = 'welcome-report';
const N = 24;
const HOLDOUT = 30;

describe('report on real welcome journeys with a control group', () => {
  const stack = useStack({
    timeSkipping: true,
    workers: { env: SHOP_ENV, searchAttributes: false },
    timeout: 120_000,
  });

  it('counts what the journeys did, node by node, and attributes the purchases', async () => {
    const { env, database } = stack;
    const { taskQueue, config } = stack.workers!;
    const db = database.db;
    const contacts = await db
      .insertInto('contacts')
      .values(
        Array.from({ length: N }, (_, i) => ({
          email: `new${i}@example.com`,
          first_name: `New${i}`,
          // Two never subscribed: a treated journey ends at the welcome email, a held-out one goes on.
          newsletter_status: i === 4 || i === 5 ? ('never' as const) : ('subscribed' as const),
          phone: i % 3 === 0 ? `+3460000${String(1000 + i)}` : null,
          sms_consent: i % 3 === 0,
          registered_at: new Date(),
        })),
      )
      .returning('id')
      .execute();
    const ids = contacts.map((c) => c.id);
    await generateCoupons(db, 'welcome-report', 100, { prefix: 'HELLO-' });
    await saveCampaign(db, {
      id: CAMPAIGN,
      name: 'Welcome (report test)',
      kind: 'welcome_voucher',
      couponSet: 'welcome-report',
      holdoutPercent: HOLDOUT,
      contactWindow: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        from: '00:00',
        to: '24:00',
      },
    });
    const campaign = (await getCampaign(db, CAMPAIGN)).definition as WelcomeVoucherCampaign;
    const heldOut = new Set(ids.filter((id) => isHeldOut(CAMPAIGN, id, HOLDOUT)));
    const treatedIds = ids.filter((id) => !heldOut.has(id));
    expect(heldOut.size).toBeGreaterThanOrEqual(3);
    expect(
      [...heldOut].filter((id) => id !== ids[4] && id !== ids[5]).length,
    ).toBeGreaterThanOrEqual(2);
    expect(treatedIds.length).toBeGreaterThanOrEqual(12);

    // One contact had bought before registering: a later purchase is not their first.
    const veteran = treatedIds[1]!;
    await db
      .insertInto('orders')
      .values({
        external_id: 'before-registration',
        contact_id: veteran,
        placed_at: new Date(Date.now() - 30 * 86_400_000),
        total: 500,
        currency: 'EUR',
      })
      .execute();

    const starter = { client: env.client, db, taskQueue, searchAttributes: false };
    for (const id of ids)
      expect((await startJourney(starter, campaign, id)).outcome).toBe('started');

    const stepCount = async (step: string) =>
      Number(
        (
          await db
            .selectFrom('journey_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('type', '=', 'step_entered')
            .where('step', '=', step)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const endedCount = async () =>
      Number(
        (
          await db
            .selectFrom('journeys')
            .select((eb) => eb.fn.count<number>('ended_at').as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Contacts 4 and 5 never subscribed: their journeys end at the welcome email, held out or not
    // (a control-group send runs the same consent check, with the message withheld).
    const notSubscribed = new Set([ids[4]!, ids[5]!]);
    const notSubscribedTreated = notSubscribed.size;
    const heldOutSubscribed = [...heldOut].filter((id) => !notSubscribed.has(id));
    await until(
      async () => (await stepCount('wait')) === N - notSubscribedTreated,
      'every subscribed or held-out journey waiting after the welcome email',
      60_000,
    );

    const orders: { contactId: number; total: number; coupon?: string }[] = [];
    const buy = async (contactId: number, total: number, coupon?: string) => {
      const externalId = `order-${contactId}-${orders.length}`;
      const { id } = await db
        .insertInto('orders')
        .values({
          external_id: externalId,
          contact_id: contactId,
          placed_at: new Date(),
          total,
          currency: 'EUR',
          coupon_code: coupon ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (coupon) expect(await recordRedemption(db, coupon, id, new Date())).toBe(true);
      orders.push({ contactId, total, coupon });
      const placedAt = new Date(await env.currentTimeMs()).toISOString();
      expect(
        await signalPurchase({ client: env.client, db }, contactId, {
          orderId: externalId,
          placedAt,
          total,
          currency: 'EUR',
        }),
      ).toBe(1);
    };

    // During the first wait: two treated contacts (one the veteran) and one held out buy.
    const early = [treatedIds[0]!, veteran, heldOutSubscribed[0]!];
    await buy(early[0]!, 40);
    await buy(early[1]!, 25.5);
    await buy(early[2]!, 31);
    await until(
      async () => (await endedCount()) === notSubscribedTreated + early.length,
      "the early buyers' journeys to end",
      60_000,
    );

    await env.sleep('2 days');
    const secondWaiters = N - notSubscribedTreated - early.length;
    await until(
      async () => (await stepCount('wait')) === N - notSubscribedTreated + secondWaiters,
      'the rest waiting after the voucher',
      60_000,
    );

    // During the second wait: two treated contacts redeem their voucher, one held-out contact buys.
    const codeOf = async (contactId: number) =>
      (
        await db
          .selectFrom('coupons')
          .select('code')
          .where('contact_id', '=', contactId)
          .executeTakeFirstOrThrow()
      ).code;
    const voucherBuyers = treatedIds
      .filter((id) => !early.includes(id) && id !== ids[4] && id !== ids[5])
      .slice(0, 2);
    const lateHeldOut = heldOutSubscribed.filter((id) => !early.includes(id))[0]!;
    for (const id of voucherBuyers) await buy(id, 60, await codeOf(id));
    await buy(lateHeldOut, 45);
    const late = [...voucherBuyers, lateHeldOut];
    await until(
      async () => (await endedCount()) === notSubscribedTreated + early.length + late.length,
      "the voucher buyers' journeys to end",
      60_000,
    );

    await env.sleep('5 days');
    await until(async () => (await endedCount()) === N, 'every journey to end', 60_000);

    const results = new Map<number, JourneyResult>();
    for (const id of ids)
      results.set(
        id,
        (await env.client.workflow.getHandle(`${CAMPAIGN}/${id}`).result()) as JourneyResult,
      );

    // ---- expected, from the journeys' own results ----
    const expectedNodes: Record<string, { treated: number; heldOut: number }> = {
      enrolled: { treated: treatedIds.length, heldOut: heldOut.size },
    };
    const expectedExits: Record<string, number> = {};
    let sent = 0;
    let withheld = 0;
    for (const [id, result] of results) {
      const held = heldOut.has(id);
      const seen: Record<string, number> = {};
      let last = 'enrolled';
      for (const step of result.steps.filter((s) => s.step !== 'end')) {
        seen[step.step] = (seen[step.step] ?? 0) + 1;
        const nodeId = seen[step.step] === 1 ? step.step : `${step.step}#${seen[step.step]}`;
        expectedNodes[nodeId] ??= { treated: 0, heldOut: 0 };
        expectedNodes[nodeId][held ? 'heldOut' : 'treated']++;
        if (step.step.startsWith('send_')) {
          if (step.outcome === 'sent') sent++;
          if (step.outcome === 'skipped: control group') withheld++;
          // Nothing reaches the control group; no treated contact is withheld.
          if (held) expect(step.outcome).not.toBe('sent');
          else expect(step.outcome).not.toBe('skipped: control group');
        }
        last = nodeId;
      }
      expectedExits[`${last} ${result.endReason}`] =
        (expectedExits[`${last} ${result.endReason}`] ?? 0) + 1;
    }
    expect(sent).toBeGreaterThan(treatedIds.length);

    const report = await buildReport(db, config, parseReportOptions({ campaign: CAMPAIGN }));
    const c = report.campaigns[0]!;
    expect(c.journeys).toEqual({
      enrolled: N,
      treated: treatedIds.length,
      heldOut: heldOut.size,
      active: 0,
      ended: N,
      failed: 0,
    });
    expect(
      Object.fromEntries(
        c.funnel.nodes
          .filter((n) => n.reached > 0)
          .map((n) => [n.id, { treated: n.treated, heldOut: n.heldOut }]),
      ),
    ).toEqual(expectedNodes);
    expect(c.funnel.nodes.every((n) => n.reached === n.treated + n.heldOut && n.here === 0)).toBe(
      true,
    );
    expect(c.funnel.unmapped).toEqual([]);
    expect(
      Object.fromEntries(
        c.funnel.exits.filter((x) => x.count > 0).map((x) => [`${x.from} ${x.reason}`, x.count]),
      ),
    ).toEqual(expectedExits);
    expect(expectedExits).toMatchObject({
      'add_to_segment purchased': early.length,
      'wait#2 purchased': late.length,
      'send_welcome not_subscribed': notSubscribedTreated,
    });
    expect(c.messages.sent.total).toBe(sent);
    expect(c.messages.withheldFromControlGroup).toBe(withheld);
    expect(c.coupons).toMatchObject({
      assigned: [...results.entries()].filter(([id, r]) => !heldOut.has(id) && r.couponCode).length,
      redeemed: voucherBuyers.length,
    });

    // Attribution: every order the test placed falls in its journey's window; the veteran's old one does not.
    const sum = (list: typeof orders) => list.reduce((s, o) => s + o.total, 0);
    const treatedOrders = orders.filter((o) => !heldOut.has(o.contactId));
    const heldOutOrders = orders.filter((o) => heldOut.has(o.contactId));
    expect(c.results.treated).toMatchObject({
      journeys: treatedIds.length,
      converted: treatedOrders.length,
      orders: treatedOrders.length,
      revenue: sum(treatedOrders),
      couponRedemptions: voucherBuyers.length,
    });
    expect(c.results.heldOut).toMatchObject({
      journeys: heldOut.size,
      converted: heldOutOrders.length,
      revenue: sum(heldOutOrders),
    });
    expect(c.results.conversionRateUplift.status).toBe('ok');
    expect(c.results.revenuePerContactUplift.status).toBe('ok');
    // The seed's metric: first purchases only (the veteran's purchase is not a first one).
    const firsts = orders.filter((o) => o.contactId !== veteran);
    expect(c.welcome).toMatchObject({
      registrations: N,
      firstPurchases: firsts.length,
      firstPurchaseRevenue: sum(firsts),
    });
    expect(c.welcome!.perThousandRegistrations).toBeCloseTo((sum(firsts) / N) * 1000, 2);
  }, 240_000);
});
