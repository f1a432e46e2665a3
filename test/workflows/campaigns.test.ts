/**
 * Every branch of the three campaign journeys, on the time-skipping test server: days of waiting
 * run in milliseconds, and each test checks what was done, in which order, and when.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CampaignDefinition,
  type InactiveReactivationCampaign,
  type LowClvCouponCampaign,
  parseCampaignDefinition,
  type WelcomeVoucherCampaign,
} from '../../src/domain/campaigns/definition.js';
import { inactiveReactivationJourney } from '../../src/workflows/inactive-reactivation.js';
import {
  journeyQuery,
  type JourneyResult,
  purchaseSignal,
  stopSignal,
} from '../../src/campaigns/journey-contract.js';
import { lowClvCouponJourney } from '../../src/workflows/low-clv-coupon.js';
import { welcomeVoucherJourney } from '../../src/workflows/welcome-voucher.js';
import { LOW_CLV_STEPS, through } from '../support/journey-steps.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { journeyWorkers, type Scenario } from './journey-harness.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const lowClv = parseCampaignDefinition({
  id: 'low-clv',
  name: 'Low CLV coupon',
  kind: 'low_clv_coupon',
  couponSet: 'low-clv',
}) as LowClvCouponCampaign;
const reactivation = parseCampaignDefinition({
  id: 'reactivation',
  name: 'Reactivation',
  kind: 'inactive_reactivation',
  couponSet: 'react',
}) as InactiveReactivationCampaign;
const welcome = parseCampaignDefinition({
  id: 'welcome',
  name: 'Welcome voucher',
  kind: 'welcome_voucher',
  couponSet: 'welcome',
}) as WelcomeVoucherCampaign;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

type JourneyFn =
  typeof lowClvCouponJourney | typeof inactiveReactivationJourney | typeof welcomeVoucherJourney;

type JourneyHandle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;
interface RunOptions {
  holdout?: boolean;
  during?: (handle: JourneyHandle) => Promise<void>;
}

/** Runs one journey to its end; `during` may act on the running workflow (signals, time). */
async function runJourney(
  workflow: JourneyFn,
  campaign: CampaignDefinition,
  scenario: Scenario,
  opts: RunOptions = {},
) {
  const workers = await journeyWorkers(env, scenario);
  const startedAt = await env.currentTimeMs();
  const result = await workers.run(async () => {
    const handle = await env.client.workflow.start(workflow as typeof lowClvCouponJourney, {
      taskQueue: workers.taskQueue,
      workflowId: `${campaign.id}/${workers.taskQueue}`,
      args: [{ campaign: campaign as LowClvCouponCampaign, contactId: 7, holdout: opts.holdout }],
    });
    if (opts.during) await opts.during(handle);
    return (await handle.result()) as JourneyResult;
  });
  const elapsed = (name: string, nth = 0) =>
    workers.calls.filter((c) => c.name === name)[nth]!.at - startedAt;
  return { result, workers, names: workers.names(), calls: workers.calls, elapsed, startedAt };
}

/** A `during` that signals a purchase (placed at that moment) once `after` ms have passed. */
function purchaseAfter(after: number, order: { orderId: string; total: number }) {
  return async (handle: JourneyHandle) => {
    await env.sleep(after);
    await handle.signal(purchaseSignal, {
      ...order,
      placedAt: new Date(await env.currentTimeMs()).toISOString(),
      currency: 'EUR',
    });
  };
}

/** A journey run whose whole check is how it ended and which activities it called, in order. */
interface Ending {
  title: string;
  scenario: Scenario;
  opts?: RunOptions;
  endReason: string;
  names: string[];
}

function itEnds(workflow: JourneyFn, campaign: CampaignDefinition, endings: Ending[]) {
  for (const { title, scenario, opts, endReason, names } of endings)
    it(title, async () => {
      const run = await runJourney(workflow, campaign, scenario, opts);
      expect(run.result.endReason).toBe(endReason);
      expect(run.names).toEqual(names);
    });
}

describe('low-CLV coupon journey', () => {
  itEnds(lowClvCouponJourney, lowClv, [
    {
      title: 'ends at once when the contact is not in "Customers to reengage"',
      scenario: { inSegment: false },
      endReason: 'not_in_segment',
      names: ['isInSegment', 'endJourney'],
    },
    {
      title: 'sends no reminder to a contact who left the segment during the wait',
      scenario: { inSegment: [true, false] },
      endReason: 'left_segment',
      names: ['isInSegment', 'assignCoupon', 'sendEmail', 'isInSegment', 'endJourney'],
    },
    {
      title: 'ends with "coupon pool exhausted" and sends nothing when the pool is empty',
      scenario: { poolExhausted: true },
      endReason: 'coupon_pool_exhausted',
      names: ['isInSegment', 'assignCoupon', 'endJourney'],
    },
    {
      title: 'ends a control-group contact who is not subscribed where a treated one would end',
      scenario: { emailSkip: 'not_subscribed' },
      opts: { holdout: true },
      endReason: 'not_subscribed',
      names: ['isInSegment', 'sendEmail', 'endJourney'],
    },
    {
      title: 'ends with "campaign_stopped" when the campaign is stopped during the wait',
      scenario: {},
      opts: {
        during: async (handle) => {
          await env.sleep(DAY);
          await handle.signal(stopSignal, { reason: 'stopped by operator' });
        },
      },
      endReason: 'campaign_stopped',
      names: ['isInSegment', 'assignCoupon', 'sendEmail', 'endJourney'],
    },
  ]);

  it('assigns a coupon, emails it, waits 7 days, and reminds with the same coupon', async () => {
    const { result, names, calls, elapsed } = await runJourney(lowClvCouponJourney, lowClv, {
      inSegment: true,
      purchasedPerOrders: false,
    });
    expect(result.endReason).toBe('completed');
    expect(names).toEqual([
      'isInSegment',
      'assignCoupon',
      'sendEmail',
      'isInSegment',
      'hasPurchased',
      'sendEmail',
      'endJourney',
    ]);
    const emails = calls.filter((c) => c.name === 'sendEmail').map((c) => c.input);
    expect(emails.map((e) => e.template)).toEqual(['low-clv-offer', 'low-clv-reminder']);
    expect(emails.map((e) => (e.variables as { coupon: { code: string } }).coupon.code)).toEqual([
      'CODE-7',
      'CODE-7',
    ]);
    expect(emails[0]!.utm).toEqual({ source: 'boomerang', medium: 'email', campaign: 'low-clv' });
    expect(elapsed('sendEmail', 0)).toBeLessThan(HOUR);
    expect(elapsed('sendEmail', 1)).toBeGreaterThanOrEqual(7 * DAY);
    // "Has purchased more than 0 times in the last 7 days" asks about exactly that window.
    const since = Date.parse(calls.find((c) => c.name === 'hasPurchased')!.input.since as string);
    expect(calls.find((c) => c.name === 'hasPurchased')!.at - since).toBeGreaterThanOrEqual(
      7 * DAY - 1000,
    );
    expect(result.steps.map((s) => s.step)).toEqual([...LOW_CLV_STEPS, 'end']);
  });

  it('ends as soon as a purchase signal arrives during the 7-day wait, without a reminder', async () => {
    const { result, names, elapsed } = await runJourney(
      lowClvCouponJourney,
      lowClv,
      {},
      { during: purchaseAfter(2 * DAY, { orderId: 'o-1', total: 40 }) },
    );
    expect(result.endReason).toBe('purchased');
    expect(names).toEqual(['isInSegment', 'assignCoupon', 'sendEmail', 'endJourney']);
    expect(elapsed('endJourney')).toBeLessThan(3 * DAY);
  });

  it('sends no reminder when the orders table shows a purchase in the last 7 days', async () => {
    const { result, names } = await runJourney(lowClvCouponJourney, lowClv, {
      purchasedPerOrders: true,
    });
    expect(result.endReason).toBe('purchased');
    expect(names.filter((n) => n === 'sendEmail')).toHaveLength(1);
  });

  it('ends, recording why, when the contact has unsubscribed', async () => {
    const { result, names } = await runJourney(lowClvCouponJourney, lowClv, {
      emailSkip: 'unsubscribed',
    });
    expect(result.endReason).toBe('unsubscribed');
    expect(names).toEqual(['isInSegment', 'assignCoupon', 'sendEmail', 'endJourney']);
    expect(result.steps.find((s) => s.step === 'send_offer')!.outcome).toBe(
      'skipped: unsubscribed',
    );
  });

  it('measures a control-group contact over the same wait but sends it nothing', async () => {
    const { result, names, calls, elapsed } = await runJourney(
      lowClvCouponJourney,
      lowClv,
      {},
      { holdout: true },
    );
    expect(result.endReason).toBe('completed');
    // No coupon; the sends run their checks with the message withheld.
    expect(names).toEqual([
      'isInSegment',
      'sendEmail',
      'isInSegment',
      'hasPurchased',
      'sendEmail',
      'endJourney',
    ]);
    expect(
      calls.filter((c) => c.name === 'sendEmail').every((c) => c.input.withhold === true),
    ).toBe(true);
    expect(elapsed('hasPurchased')).toBeGreaterThanOrEqual(7 * DAY);
    expect(
      result.steps.filter((s) => s.outcome === 'skipped: control group').map((s) => s.step),
    ).toEqual(['assign_coupon', 'send_offer', 'send_reminder']);
  });

  it('answers the step-history query while waiting', async () => {
    await runJourney(
      lowClvCouponJourney,
      lowClv,
      {},
      {
        during: async (handle) => {
          await env.sleep(HOUR);
          const state = await handle.query(journeyQuery);
          expect(state.currentStep).toBe('wait');
          expect(state.steps.map((s) => s.step)).toEqual(through(LOW_CLV_STEPS, 'wait'));
        },
      },
    );
  });
});

describe('inactive-customer reactivation journey', () => {
  it('waits 8 hours, then assigns a coupon and emails it when there was no purchase', async () => {
    const { result, names, elapsed } = await runJourney(inactiveReactivationJourney, reactivation, {
      purchasedPerOrders: false,
    });
    expect(result.endReason).toBe('completed');
    expect(names).toEqual(['hasPurchased', 'assignCoupon', 'sendEmail', 'endJourney']);
    expect(elapsed('assignCoupon')).toBeGreaterThanOrEqual(8 * HOUR);
    expect(elapsed('assignCoupon')).toBeLessThan(9 * HOUR);
  });

  itEnds(inactiveReactivationJourney, reactivation, [
    {
      title: 'ends without a coupon when a purchase arrives during the 8 hours',
      scenario: {},
      opts: { during: purchaseAfter(2 * HOUR, { orderId: 'o-2', total: 99 }) },
      endReason: 'purchased',
      names: ['endJourney'],
    },
    {
      title: 'ends without a coupon when the orders table shows a purchase in the last 8 hours',
      scenario: { purchasedPerOrders: true },
      endReason: 'purchased',
      names: ['hasPurchased', 'endJourney'],
    },
    {
      title: 'ends with "coupon pool exhausted" and sends nothing when the pool is empty',
      scenario: { poolExhausted: true },
      endReason: 'coupon_pool_exhausted',
      names: ['hasPurchased', 'assignCoupon', 'endJourney'],
    },
  ]);
});

describe('welcome voucher journey', () => {
  itEnds(welcomeVoucherJourney, welcome, [
    {
      title: 'also counts a purchase found in the orders table after the 2 days',
      scenario: { purchasedPerOrders: true },
      endReason: 'purchased',
      names: ['sendEmail', 'hasPurchased', 'addToSegment', 'endJourney'],
    },
    {
      title:
        'ends with "coupon pool exhausted" before the voucher email when there is no voucher left',
      scenario: { poolExhausted: true },
      endReason: 'coupon_pool_exhausted',
      names: ['sendEmail', 'hasPurchased', 'nextContactWindow', 'assignCoupon', 'endJourney'],
    },
  ]);

  it('adds a contact who buys within 2 days to the converted segment, and ends', async () => {
    const { result, names, calls } = await runJourney(
      welcomeVoucherJourney,
      welcome,
      {},
      { during: purchaseAfter(DAY, { orderId: 'o-3', total: 25 }) },
    );
    expect(result.endReason).toBe('purchased');
    expect(names).toEqual(['sendEmail', 'addToSegment', 'endJourney']);
    expect(calls.find((c) => c.name === 'addToSegment')!.input.segment).toBe('Welcome converted');
  });

  it('without a purchase: waits for the contact window, sends the voucher, and ends on a later purchase', async () => {
    const { result, names, calls, elapsed } = await runJourney(welcomeVoucherJourney, welcome, {
      purchasedPerOrders: [false, true],
      windowOpensInMs: 10 * HOUR,
    });
    expect(result.endReason).toBe('purchased');
    expect(names).toEqual([
      'sendEmail',
      'hasPurchased',
      'nextContactWindow',
      'assignCoupon',
      'sendEmail',
      'hasPurchased',
      'endJourney',
    ]);
    // The voucher goes out when the window opens, 10 hours after the 2-day wait.
    expect(elapsed('assignCoupon')).toBeGreaterThanOrEqual(2 * DAY + 10 * HOUR);
    expect(calls.find((c) => c.name === 'assignCoupon')!.input.validFor).toBe('5 days');
    expect(calls.find((c) => c.name === 'nextContactWindow')!.input.window).toEqual({
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      from: '09:00',
      to: '20:00',
    });
  });

  it('ends at once, sending nothing more, when the campaign is stopped while it waits for the contact window', async () => {
    const { result, names, elapsed } = await runJourney(
      welcomeVoucherJourney,
      welcome,
      { purchasedPerOrders: false, windowOpensInMs: 10 * HOUR },
      {
        during: async (handle) => {
          await env.sleep(2 * DAY + HOUR);
          await handle.signal(stopSignal, { reason: 'stopped by operator' });
        },
      },
    );
    expect(result.endReason).toBe('campaign_stopped');
    expect(names).toEqual(['sendEmail', 'hasPurchased', 'nextContactWindow', 'endJourney']);
    // Ended when told, not when the window opened 9 hours later.
    expect(elapsed('endJourney')).toBeLessThan(2 * DAY + 10 * HOUR);
  });

  it('without any purchase: sends the reminder by email and by SMS after 5 more days', async () => {
    const { result, names, calls, elapsed } = await runJourney(welcomeVoucherJourney, welcome, {
      purchasedPerOrders: false,
    });
    expect(result.endReason).toBe('completed');
    expect(names).toEqual([
      'sendEmail',
      'hasPurchased',
      'nextContactWindow',
      'assignCoupon',
      'sendEmail',
      'hasPurchased',
      'sendEmail',
      'sendSms',
      'endJourney',
    ]);
    expect(elapsed('sendSms')).toBeGreaterThanOrEqual(7 * DAY);
    const sms = calls.find((c) => c.name === 'sendSms')!.input;
    expect(sms.template).toBe('voucher-reminder-sms');
    expect((sms.variables as { coupon: { code: string } }).coupon.code).toBe('CODE-7');
  });

  it('records the SMS as skipped when the contact has no phone, and still completes', async () => {
    const { result } = await runJourney(welcomeVoucherJourney, welcome, { smsSkip: 'no_phone' });
    expect(result.endReason).toBe('completed');
    expect(result.steps.find((s) => s.step === 'send_reminder_sms')!.outcome).toBe(
      'skipped: no_phone',
    );
  });
});
