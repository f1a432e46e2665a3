/**
 * The flow interpreter on the time-skipping test server with typed activity fakes: each seed
 * written as a flow takes each branch its coded journey takes, with the same activities, messages,
 * coupons and end — outside the contact window and through a worker killed mid-journey too; a
 * split sends each contact down the arm its id and the node pick; a wait for a custom event ends
 * on the event or on its timeout; an update is adopted at the next node.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { FlowActivities } from '../../src/activities/flows.js';
import type { SendMessageInput } from '../../src/activities/messaging.js';
import {
  journeyQuery,
  type JourneyResult,
  messagesTaskQueue,
  purchaseSignal,
  updateDefinitionSignal,
} from '../../src/campaigns/journey-contract.js';
import { PROJECT_ROOT } from '../../src/config.js';
import {
  type CampaignDefinition,
  type LowClvCouponCampaign,
  parseCampaignDefinition,
} from '../../src/domain/campaigns/definition.js';
import { type FlowCampaign, parseFlowDefinition } from '../../src/domain/flows/definition.js';
import { chooseArm } from '../../src/domain/flows/split.js';
import { type FlowEvent, flowEventSignal, flowJourney } from '../../src/workflows/flow.js';
import type { SendPressure } from '../../src/domain/messages/pressure.js';
import { inactiveReactivationJourney } from '../../src/workflows/inactive-reactivation.js';
import { lowClvCouponJourney } from '../../src/workflows/low-clv-coupon.js';
import { welcomeVoucherJourney } from '../../src/workflows/welcome-voucher.js';
import { ORDER_ONE, REFUND_WATCH, refundOf } from '../support/refund-watch.js';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';
import { mockActivities, type Scenario } from './journey-harness.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

const exampleYaml = (name: string) =>
  parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'examples/flows', name), 'utf8')) as Record<
    string,
    unknown
  >;
const exampleFlow = (name: string) => parseFlowDefinition(exampleYaml(name));
/** A seed campaign as a flow (examples/flows) and as its coded kind, under the same id and name. */
function seed(file: string, coded: Record<string, unknown>) {
  const flow = exampleFlow(file);
  return { flow, coded: parseCampaignDefinition({ id: flow.id, name: flow.name, ...coded }) };
}
const lowClv = seed('low-clv-coupon.yaml', {
  kind: 'low_clv_coupon',
  couponSet: 'low-clv',
  utm: { campaign: 'low-clv-coupon' },
});
const lowClvFlow = lowClv.flow;
const lowClvCoded = lowClv.coded as LowClvCouponCampaign;
const welcome = seed('welcome-voucher.yaml', {
  kind: 'welcome_voucher',
  couponSet: 'welcome',
  contactWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '09:00', to: '20:00' },
});
const reactivation = seed('inactive-reactivation.yaml', {
  kind: 'inactive_reactivation',
  couponSet: 'reactivation',
});

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

type Handle = Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>;

/**
 * Starts the main and the messages worker; `stop` shuts both down. A worker that is to crash
 * keeps no journey in its cache: the time-skipping server would otherwise hold the journey's next
 * task for the dead worker's sticky queue, with the clock stopped, where a real server hands it to
 * another worker after a few seconds.
 */
async function startWorkers(
  taskQueue: string,
  activities: { main: object; messaging: object },
  crash: boolean,
): Promise<{ stop(): Promise<void> }> {
  const workers = [
    await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: activities.main,
      ...(crash ? { maxCachedWorkflows: 0 } : {}),
    }),
    await Worker.create({
      connection: env.nativeConnection,
      taskQueue: messagesTaskQueue(taskQueue),
      activities: activities.messaging,
    }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    async stop() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}

interface Crash {
  holdFirstSend?: boolean;
}

/** What a test can do to the workers while its journey runs. */
interface WorkerControl {
  /** Shuts the workers down and starts fresh ones on the same task queues: a crash and a restart. */
  restart(): Promise<void>;
  /** Resolves when the first email send has done its work and hangs (`crash.holdFirstSend`). */
  firstSendHeld: Promise<void>;
}

/**
 * The journey harness's fakes plus the flow-only activities, recorded the same way. With
 * `crash.holdFirstSend`, the first email is recorded as sent and its activity then hangs until its
 * worker shuts down: the worst moment for a crash, the effect done and Temporal not told.
 */
async function workersFor(
  scenario: Scenario & { matches?: boolean; running?: boolean },
  crash?: Crash,
) {
  const taskQueue = uniqueTaskQueue('flow');
  const mocks = mockActivities(env, scenario);
  const record = async (name: string, input: unknown) =>
    mocks.calls.push({
      name,
      at: await env.currentTimeMs(),
      input: input as Record<string, unknown>,
    });
  const flow: FlowActivities = {
    matchesCondition: async (i) => (await record('matchesCondition', i), scenario.matches ?? true),
    hasRunningJourney: async (i) => (
      await record('hasRunningJourney', i),
      scenario.running ?? false
    ),
    removeFromSegment: async (i) => void (await record('removeFromSegment', i)),
    tagContact: async (i) => void (await record('tagContact', i)),
  };
  let held: () => void;
  const firstSendHeld = new Promise<void>((resolve) => (held = resolve));
  let holding = crash?.holdFirstSend ?? false;
  const messaging = {
    ...mocks.messaging,
    sendEmail: async (i: SendMessageInput) => {
      const result = await mocks.messaging.sendEmail(i);
      if (holding) {
        holding = false;
        held();
        await Context.current().cancelled; // rejects when the worker shuts down
      }
      return result;
    },
  };
  const activities = { main: { ...mocks.journey, ...flow }, messaging };
  const run = async <T>(fn: (control: WorkerControl) => Promise<T>) => {
    let workers = await startWorkers(taskQueue, activities, crash !== undefined);
    const control: WorkerControl = {
      async restart() {
        await workers.stop();
        workers = await startWorkers(taskQueue, activities, crash !== undefined);
      },
      firstSendHeld,
    };
    try {
      return await fn(control);
    } finally {
      await workers.stop();
    }
  };
  return { taskQueue, calls: mocks.calls, run };
}

interface RunOptions {
  contactId?: number;
  entryEvent?: FlowEvent;
  during?: (handle: Handle, workers: WorkerControl) => Promise<void>;
  /** The workers will be restarted (`during` calls `restart`). */
  crash?: Crash;
}

const CODED = {
  low_clv_coupon: lowClvCouponJourney,
  inactive_reactivation: inactiveReactivationJourney,
  welcome_voucher: welcomeVoucherJourney,
};

/** Runs one journey of the flow interpreter (or of a coded kind) to its end. */
async function runFlow(
  campaign: FlowCampaign | CampaignDefinition,
  scenario: Scenario & { matches?: boolean; running?: boolean },
  opts: RunOptions = {},
) {
  const workers = await workersFor(scenario, opts.crash);
  const startedAt = await env.currentTimeMs();
  const result = await workers.run(async (control) => {
    const args = { contactId: opts.contactId ?? 7, entryEvent: opts.entryEvent };
    const start = {
      taskQueue: workers.taskQueue,
      workflowId: `${campaign.id}/${workers.taskQueue}`,
    };
    const handle =
      campaign.kind === 'flow'
        ? await env.client.workflow.start(flowJourney, { ...start, args: [{ ...args, campaign }] })
        : await env.client.workflow.start(CODED[campaign.kind] as typeof lowClvCouponJourney, {
            ...start,
            args: [{ ...args, campaign: campaign as LowClvCouponCampaign }],
          });
    if (opts.during) await opts.during(handle, control);
    return (await handle.result()) as JourneyResult;
  });
  const names = workers.calls
    .map((c) => c.name)
    .filter((n) => n !== 'recordStep' && n !== 'recordEnrollment');
  const at = (name: string, nth = 0) =>
    workers.calls.filter((c) => c.name === name)[nth]!.at - startedAt;
  const inputs = (name: string) => workers.calls.filter((c) => c.name === name).map((c) => c.input);
  /** Each activity (but the bookkeeping) and the minute of the journey it ran in. */
  const timeline = workers.calls
    .filter((c) => c.name !== 'recordStep' && c.name !== 'recordEnrollment')
    .map((c) => `${c.name} @${Math.floor((c.at - startedAt) / 60_000)} min`);
  return { result, names, at, inputs, timeline, steps: result.steps.map((s) => s.step) };
}

function purchaseAfter(after: number) {
  return async (handle: Handle) => {
    await env.sleep(after);
    await handle.signal(purchaseSignal, {
      orderId: 'o-1',
      total: 40,
      currency: 'EUR',
      placedAt: new Date(await env.currentTimeMs()).toISOString(),
    });
  };
}

describe('the low-CLV seed as a flow', () => {
  const scenarios: { title: string; scenario: Scenario; opts?: RunOptions; endReason: string }[] = [
    {
      title: 'ends at once for a contact not in "Customers to reengage"',
      scenario: { inSegment: false },
      endReason: 'not_in_segment',
    },
    {
      title: 'ends when a purchase arrives during the 7-day wait, without a reminder',
      scenario: {},
      opts: { during: purchaseAfter(2 * DAY) },
      endReason: 'purchased',
    },
    {
      title: 'sends no reminder to a contact who left the segment during the wait',
      scenario: { inSegment: [true, false] },
      endReason: 'left_segment',
    },
    {
      title: 'sends no reminder when the orders show a purchase in the last 7 days',
      scenario: { purchasedPerOrders: true },
      endReason: 'purchased',
    },
    {
      title: 'reminds with the same coupon after 7 days',
      scenario: {},
      endReason: 'completed',
    },
  ];
  for (const { title, scenario, opts, endReason } of scenarios)
    it(`${title}, as the coded journey does`, async () => {
      const flow = await runFlow(lowClvFlow, scenario, opts);
      const coded = await runFlow(lowClvCoded, scenario, opts);
      expect(flow.result.endReason).toBe(endReason);
      expect(flow.result.endReason).toBe(coded.result.endReason);
      expect(flow.names).toEqual(coded.names);
      expect(flow.steps).toEqual(coded.steps);
      expect(flow.inputs('sendEmail').map((e) => [e.step, e.template, e.variables, e.utm])).toEqual(
        coded.inputs('sendEmail').map((e) => [e.step, e.template, e.variables, e.utm]),
      );
      expect(flow.result.couponCode).toBe(coded.result.couponCode);
    });

  it('sends the reminder seven days after the offer, with the offer’s coupon', async () => {
    const { names, at, inputs } = await runFlow(lowClvFlow, {});
    expect(names).toEqual([
      'isInSegment',
      'assignCoupon',
      'sendEmail',
      'isInSegment',
      'hasPurchased',
      'sendEmail',
      'endJourney',
    ]);
    expect(inputs('sendEmail').map((e) => e.template)).toEqual([
      'low-clv-offer',
      'low-clv-reminder',
    ]);
    expect(inputs('sendEmail').map((e) => e.variables)).toEqual([
      { coupon: { code: 'CODE-7', expires_at: null } },
      { coupon: { code: 'CODE-7', expires_at: null } },
    ]);
    expect(at('sendEmail', 1) - at('sendEmail', 0)).toBeGreaterThanOrEqual(7 * DAY);
  });

  it("passes the flow's quiet hours and frequency cap to each send, as the coded journey does", async () => {
    const pressure = {
      quietHours: { email: { from: '10:00', to: '12:00' }, whenQuiet: 'drop' },
      frequencyCap: { whenCapped: 'delay', delayUpTo: '2 days', priority: 3 },
    };
    const flow = await runFlow(
      parseFlowDefinition({ ...exampleYaml('low-clv-coupon.yaml'), ...pressure }),
      {},
    );
    const coded = await runFlow(
      parseCampaignDefinition({ ...lowClvCoded, ...pressure }) as LowClvCouponCampaign,
      {},
    );
    const sent = flow.inputs('sendEmail').map((e) => e.pressure);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      whenQuiet: 'drop',
      sendHours: { from: '10:00', to: '12:00' },
      whenCapped: 'delay',
      priority: 3,
    });
    // The same policy (the delay limit is 2 days after each send, at each run's own time).
    const policy = (p: unknown) => {
      const { delayUntil, ...rest } = p as SendPressure;
      return delayUntil ? rest : null;
    };
    expect(sent.map(policy)).toEqual(coded.inputs('sendEmail').map((e) => policy(e.pressure)));
  });

  it('shows the node it waits at in the journey query', async () => {
    await runFlow(
      lowClvFlow,
      {},
      {
        during: async (handle) => {
          await env.sleep(HOUR);
          const state = await handle.query(journeyQuery);
          expect(state.currentStep).toBe('wait');
          expect(state.steps.map((s) => [s.step, s.label])).toEqual([
            ['is_in_segment', 'is in segment "Customers to reengage"?'],
            ['assign_coupon', 'assign coupon from "low-clv"'],
            ['send_offer', 'send email "low-clv-offer" with coupon of assign_coupon'],
            ['wait', 'wait up to 7 days for purchase'],
          ]);
        },
      },
    );
  });

  it('adopts an update at the next node: the reminder of the new version', async () => {
    const v2 = parseFlowDefinition({
      ...lowClvFlow,
      nodes: {
        ...lowClvFlow.nodes,
        send_reminder: { ...lowClvFlow.nodes.send_reminder, template: 'last-call' },
      },
    });
    const { result, inputs } = await runFlow(
      lowClvFlow,
      {},
      {
        during: async (handle) => {
          await env.sleep(DAY);
          await handle.signal(updateDefinitionSignal, {
            version: 2,
            campaign: v2 as never,
          });
        },
      },
    );
    expect(inputs('sendEmail').map((e) => e.template)).toEqual(['low-clv-offer', 'last-call']);
    expect(result.steps.map((s) => [s.step, s.definitionVersion])).toEqual([
      ['is_in_segment', 1],
      ['assign_coupon', 1],
      ['send_offer', 1],
      ['wait', 1],
      ['still_in_segment', 2],
      ['has_purchased', 2],
      ['send_reminder', 2],
      ['end', 2],
    ]);
  });
});

type Run = Awaited<ReturnType<typeof runFlow>>;
/** The messages a run sent on a channel: template, variables and UTM tags, in order. */
const sent = (run: Run, name: 'sendEmail' | 'sendSms') =>
  run.inputs(name).map((m) => [m.template, m.variables, m.utm]);
const coupons = (run: Run) =>
  run.inputs('assignCoupon').map((c) => [c.step, c.couponSet, c.validFor]);

describe('the other seeds as flows, beside their coded journeys', () => {
  const seeds = [welcome, reactivation];
  const scenarios: { title: string; scenario: Scenario; opts?: RunOptions }[] = [
    { title: 'without a purchase', scenario: { windowOpensInMs: 5 * HOUR } },
    {
      title: 'with a purchase during the first wait',
      scenario: {},
      opts: { during: purchaseAfter(HOUR) },
    },
    {
      title: 'with a purchase in the orders only',
      scenario: { purchasedPerOrders: [false, true] },
    },
    { title: 'without SMS consent', scenario: { smsSkip: 'no_sms_consent' } },
    { title: 'with an empty coupon pool', scenario: { poolExhausted: true } },
  ];
  for (const { flow, coded } of seeds)
    for (const { title, scenario, opts } of scenarios)
      it(`${coded.kind} ${title}: the same activities, messages, coupons and end`, async () => {
        const a = await runFlow(flow, scenario, opts);
        const b = await runFlow(coded, scenario, opts);
        expect(a.result.endReason).toBe(b.result.endReason);
        expect(a.timeline).toEqual(b.timeline);
        expect(sent(a, 'sendEmail')).toEqual(sent(b, 'sendEmail'));
        expect(sent(a, 'sendSms')).toEqual(sent(b, 'sendSms'));
        expect(coupons(a)).toEqual(coupons(b));
      });
});

describe('the welcome seed outside the contact window', () => {
  // Registered on a Saturday evening: the voucher waits for Monday 09:00, 37 hours later.
  const closed: Scenario = { windowOpensInMs: 37 * HOUR };

  it('waits until the window opens, then sends the voucher, as the coded journey does', async () => {
    const flow = await runFlow(welcome.flow, closed);
    const coded = await runFlow(welcome.coded, closed);
    expect(flow.result.endReason).toBe('completed');
    expect(flow.result.endReason).toBe(coded.result.endReason);
    expect(flow.timeline).toEqual(coded.timeline);
    expect(flow.inputs('nextContactWindow').map((i) => i.window)).toEqual(
      coded.inputs('nextContactWindow').map((i) => i.window),
    );
    expect(flow.at('assignCoupon') - flow.at('nextContactWindow')).toBeGreaterThanOrEqual(
      37 * HOUR,
    );
    expect(flow.at('sendEmail', 1) - flow.at('sendEmail', 0)).toBeGreaterThanOrEqual(
      2 * DAY + 37 * HOUR,
    );
    const waited = (run: Run) => run.result.steps.find((s) => s.step === 'wait_for_window')!;
    expect(waited(flow).outcome).toMatch(/^waited until /);
    expect(waited(coded).outcome).toMatch(/^waited until /);
    expect(sent(flow, 'sendEmail')).toEqual(sent(coded, 'sendEmail'));
    expect(sent(flow, 'sendSms')).toEqual(sent(coded, 'sendSms'));
    expect(coupons(flow)).toEqual(coupons(coded));
  });
});

describe('a worker killed mid-journey, and a fresh one on the same task queue', () => {
  const seeds = [
    { ...lowClv, scenario: {} },
    { ...welcome, scenario: { windowOpensInMs: 5 * HOUR } },
    { ...reactivation, scenario: {} },
  ];
  const crashes: { title: string; opts: RunOptions }[] = [
    {
      title: 'while the journey sleeps in its first wait',
      opts: {
        crash: {},
        during: async (_handle, workers) => {
          await env.sleep(HOUR);
          await workers.restart();
        },
      },
    },
    {
      title: 'after its first email went out, before the worker reported it',
      opts: {
        crash: { holdFirstSend: true },
        // Awaiting the result lets the clock skip to the send (the reactivation's is 8 hours in).
        during: async (handle, workers) => {
          await Promise.all([handle.result(), workers.firstSendHeld.then(() => workers.restart())]);
        },
      },
    },
  ];
  /** Each email's step: with the workflow id, the idempotency key the outbox sends it once by. */
  const emailSteps = (run: Run) => run.inputs('sendEmail').map((m) => m.step as string);

  for (const { flow, coded, scenario } of seeds)
    for (const { title, opts } of crashes)
      it(`${coded.kind}, killed ${title}: the same steps, one message per step, one coupon`, async () => {
        const [flowCalm, codedCalm] = [
          await runFlow(flow, scenario),
          await runFlow(coded, scenario),
        ];
        const [flowKilled, codedKilled] = [
          await runFlow(flow, scenario, opts),
          await runFlow(coded, scenario, opts),
        ];
        // The flow goes through the crash as the coded journey does.
        expect(flowKilled.result.endReason).toBe(codedKilled.result.endReason);
        expect(flowKilled.names).toEqual(codedKilled.names);
        expect(sent(flowKilled, 'sendEmail')).toEqual(sent(codedKilled, 'sendEmail'));
        expect(sent(flowKilled, 'sendSms')).toEqual(sent(codedKilled, 'sendSms'));
        expect(coupons(flowKilled)).toEqual(coupons(codedKilled));
        // Each ends as it would have without the crash: the same steps and coupon; only the send
        // the crash cut off runs again, under the same step, so the outbox sends it once.
        for (const [killed, calm] of [
          [flowKilled, flowCalm],
          [codedKilled, codedCalm],
        ] as const) {
          expect(killed.result.endReason).toBe(calm.result.endReason);
          expect(killed.steps).toEqual(calm.steps);
          expect(killed.result.couponCode).toBe(calm.result.couponCode);
          expect(coupons(killed)).toEqual(coupons(calm));
          expect(sent(killed, 'sendSms')).toEqual(sent(calm, 'sendSms'));
          const again = opts.crash?.holdFirstSend ? emailSteps(calm).slice(0, 1) : [];
          expect(emailSteps(killed)).toEqual([...again, ...emailSteps(calm)]);
          expect(new Set(emailSteps(killed)).size).toBe(emailSteps(calm).length);
        }
      });
});

// An abandoned-checkout flow: half the contacts get an email and a day to finish the checkout.
const checkout = parseFlowDefinition({
  id: 'checkout-nudge',
  name: 'Checkout nudge',
  kind: 'flow',
  nodes: {
    start: {
      type: 'entry',
      trigger: 'event',
      event: 'checkout_started',
      key: 'checkout_id',
      next: 'ab',
    },
    ab: {
      type: 'split',
      arms: [
        { name: 'nudge', weight: 50, next: 'nudge-email' },
        { name: 'control', weight: 50, next: 'control' },
      ],
    },
    'nudge-email': {
      type: 'send',
      channel: 'email',
      template: 'checkout-nudge',
      next: 'wait-order',
    },
    'wait-order': {
      type: 'wait',
      until: { event: 'checkout_completed', where: { checkout_id: 'c-1' } },
      timeout: '1 day',
      onEvent: 'converted',
      onTimeout: 'tag-lost',
    },
    'tag-lost': { type: 'tag', action: 'add', tag: 'lost-checkout', next: 'lost' },
    converted: { type: 'exit', reason: 'converted' },
    lost: { type: 'exit', reason: 'lost' },
    control: { type: 'exit', reason: 'control_arm' },
  },
});

/** The first contact ids, from 1, that the split sends down each arm. */
function contactsByArm(): Record<string, number> {
  const byArm: Record<string, number> = {};
  const arms = (checkout.nodes.ab as { arms: { name: string; weight: number }[] }).arms;
  for (let id = 1; Object.keys(byArm).length < arms.length; id++)
    byArm[chooseArm(arms, id, 'ab').name] ??= id;
  return byArm;
}

describe('a split and a wait for an event with a timeout', () => {
  const arms = contactsByArm();
  const entryEvent = { name: 'checkout_started', properties: { checkout_id: 'c-1' } };

  it('sends each contact down the arm its id and the node choose, and notes it', async () => {
    const control = await runFlow(checkout, {}, { contactId: arms.control, entryEvent });
    expect(control.result.endReason).toBe('control_arm');
    expect(control.names).toEqual(['endJourney']);
    expect(control.result.steps[0]).toMatchObject({ step: 'ab', outcome: 'arm control' });
  });

  it('ends on the awaited event, not on another checkout’s', async () => {
    const { result, names, at, steps } = await runFlow(
      checkout,
      {},
      {
        contactId: arms.nudge,
        entryEvent,
        during: async (handle) => {
          await env.sleep(2 * HOUR);
          const other = { checkout_id: 'c-2' };
          await handle.signal(flowEventSignal, { name: 'checkout_completed', properties: other });
          await env.sleep(HOUR);
          const mine = { checkout_id: 'c-1' };
          await handle.signal(flowEventSignal, { name: 'checkout_completed', properties: mine });
        },
      },
    );
    expect(result.endReason).toBe('converted');
    expect(names).toEqual(['sendEmail', 'endJourney']);
    expect(steps).toEqual(['ab', 'nudge-email', 'wait-order', 'end']);
    expect(result.steps[2]!.outcome).toBe('checkout_completed received');
    expect(at('endJourney')).toBeGreaterThanOrEqual(3 * HOUR);
    expect(at('endJourney')).toBeLessThan(4 * HOUR);
  });

  it('takes the timeout exit a day later when the event never comes', async () => {
    const { result, names, at, inputs } = await runFlow(
      checkout,
      {},
      { contactId: arms.nudge, entryEvent },
    );
    expect(result.endReason).toBe('lost');
    expect(names).toEqual(['sendEmail', 'tagContact', 'endJourney']);
    expect(inputs('tagContact')).toEqual([
      { contactId: arms.nudge, tag: 'lost-checkout', action: 'add' },
    ]);
    expect(at('tagContact')).toBeGreaterThanOrEqual(DAY);
  });
});

// A journey per order: a wait for its refund, which the contact's other orders' refunds do not end.
const refundWatch = parseFlowDefinition(REFUND_WATCH);

describe('a wait in a journey keyed per order', () => {
  const entryEvent = ORDER_ONE;

  it("hears its own order's refund, not another order's", async () => {
    const { result, at } = await runFlow(
      refundWatch,
      {},
      {
        entryEvent,
        during: async (handle) => {
          await env.sleep(DAY);
          await handle.signal(flowEventSignal, refundOf('o-2'));
          await env.sleep(DAY);
          await handle.signal(flowEventSignal, refundOf('o-1'));
        },
      },
    );
    expect(result.endReason).toBe('refunded');
    expect(at('endJourney')).toBeGreaterThanOrEqual(2 * DAY);
    expect(at('endJourney')).toBeLessThan(3 * DAY);
  });

  it('takes the timeout when only another order is refunded', async () => {
    const { result, at } = await runFlow(
      refundWatch,
      {},
      {
        entryEvent,
        during: async (handle) => {
          await env.sleep(DAY);
          await handle.signal(flowEventSignal, refundOf('o-2'));
        },
      },
    );
    expect(result.endReason).toBe('kept');
    expect(at('endJourney')).toBeGreaterThanOrEqual(10 * DAY);
  });
});

describe('flow-level exit criteria and rule branches', () => {
  const vip = parseFlowDefinition({
    id: 'vip-thanks',
    name: 'VIP thank-you',
    kind: 'flow',
    exitWhen: { purchase: true },
    nodes: {
      start: { type: 'entry', trigger: 'segment_entry', segment: 'Champions', next: 'wait-1d' },
      'wait-1d': { type: 'wait', duration: '1 day', next: 'big-spender' },
      'big-spender': {
        type: 'branch',
        if: { rule: { field: 'purchases_amount', op: 'gte', value: 500, within: '365 days' } },
        then: 'thanks',
        else: 'done',
      },
      thanks: { type: 'send', channel: 'email', template: 'vip-thanks', next: 'done' },
      done: { type: 'exit', reason: 'completed' },
    },
  });

  it('branches on a rule-language condition after the wait', async () => {
    const yes = await runFlow(vip, { matches: true } as Scenario);
    expect(yes.names).toEqual(['matchesCondition', 'sendEmail', 'endJourney']);
    expect(yes.inputs('matchesCondition')[0]!.condition).toEqual({
      match: 'all',
      conditions: [{ field: 'purchases_amount', op: 'gte', value: 500, within: '365 days' }],
    });
    const no = await runFlow(vip, { matches: false } as Scenario);
    expect(no.names).toEqual(['matchesCondition', 'endJourney']);
  });

  it('ends at once on a purchase during any wait, with exitWhen.purchase', async () => {
    const { result, names, at } = await runFlow(vip, {}, { during: purchaseAfter(HOUR) });
    expect(result.endReason).toBe('purchased');
    expect(names).toEqual(['endJourney']);
    expect(at('endJourney')).toBeLessThan(2 * HOUR);
  });

  it('ends when the contact left the segment of exitWhen.leftSegment during a wait', async () => {
    const leaving = parseFlowDefinition({
      ...vip,
      exitWhen: { leftSegment: 'Champions' },
    });
    const { result, names, at } = await runFlow(leaving, { inSegment: false });
    expect(result.endReason).toBe('left_segment');
    expect(names).toEqual(['isInSegment', 'endJourney']);
    expect(at('isInSegment')).toBeGreaterThanOrEqual(DAY);
  });
});

describe('a loop through a wait', () => {
  // Weekly reminders until the contact joins "Members": each visit of a node is a step of its own.
  const weekly = parseFlowDefinition({
    id: 'weekly',
    name: 'Weekly until member',
    kind: 'flow',
    nodes: {
      start: { type: 'entry', trigger: 'launch', next: 'member' },
      member: { type: 'branch', if: { inSegment: 'Members' }, then: 'done', else: 'remind' },
      remind: { type: 'send', channel: 'email', template: 'join-us', next: 'week' },
      week: { type: 'wait', duration: '7 days', next: 'member' },
      done: { type: 'exit', reason: 'joined' },
    },
  });

  it('sends one message per visit, under the node id and then id#2', async () => {
    const { result, inputs, steps, at } = await runFlow(weekly, {
      inSegment: [false, false, true],
    });
    expect(result.endReason).toBe('joined');
    expect(inputs('sendEmail').map((e) => e.step)).toEqual(['remind', 'remind#2']);
    expect(steps).toEqual([
      'member',
      'remind',
      'week',
      'member#2',
      'remind#2',
      'week#2',
      'member#3',
      'end',
    ]);
    expect(at('sendEmail', 1)).toBeGreaterThanOrEqual(7 * DAY);
  });
});

// A subject-line A/B at a send node, and the checkout split concluded for its nudge arm.
const subjectTest = parseFlowDefinition({
  id: 'subject-test',
  name: 'Subject test',
  kind: 'flow',
  nodes: {
    start: { type: 'entry', trigger: 'launch', next: 'offer' },
    offer: {
      type: 'send',
      channel: 'email',
      template: 'low-clv-offer',
      variants: [{ name: 'short', template: 'low-clv-reminder' }],
      next: 'done',
    },
    done: { type: 'exit', reason: 'completed' },
  },
});

describe('experiments in a flow', () => {
  const offerArms = [
    { name: 'control', weight: 1 },
    { name: 'short', weight: 1 },
  ];
  const templateOf: Record<string, string> = {
    control: 'low-clv-offer',
    short: 'low-clv-reminder',
  };

  it("sends each contact the template of its variant, and writes the arm with the step's entry", async () => {
    const contacts = [1, 2, 3, 4, 5, 6];
    expect(new Set(contacts.map((id) => chooseArm(offerArms, id, 'offer').name)).size).toBe(2);
    for (const contactId of contacts) {
      const arm = chooseArm(offerArms, contactId, 'offer').name;
      const { inputs, result } = await runFlow(subjectTest, {}, { contactId });
      const [send] = inputs('sendEmail');
      expect(send).toMatchObject({ template: templateOf[arm] });
      expect((send!.entered as { arm?: string }).arm).toBe(arm);
      expect(result.steps[0]).toMatchObject({ step: 'offer', arm, outcome: 'sent' });
    }
  });

  it('sends every contact down the winner once the split is concluded', async () => {
    const ab = checkout.nodes.ab as Extract<(typeof checkout.nodes)[string], { type: 'split' }>;
    const concluded = {
      ...checkout,
      nodes: {
        ...checkout.nodes,
        ab: {
          ...ab,
          experiment: { autoConclude: false, minimumDetectableEffect: 0.02, winner: 'nudge' },
        },
      },
    };
    const arms = contactsByArm();
    const { result, inputs } = await runFlow(concluded, {}, { contactId: arms.control });
    expect(result.steps[0]).toMatchObject({ step: 'ab', arm: 'nudge', outcome: 'arm nudge' });
    expect(inputs('recordStep')[0]).toMatchObject({ step: 'ab', arm: 'nudge' });
    expect(result.endReason).toBe('lost');
  });
});

describe('the abandoned-checkout and browse-abandonment examples', () => {
  const abandoned = exampleFlow('abandoned-checkout.yaml');
  const browse = exampleFlow('browse-abandonment.yaml');
  const cart = (id: string, titles: string[]) => ({
    checkout_id: id,
    currency: 'EUR',
    total: 12.5 * titles.length,
    line_items: titles.map((title, i) => ({
      product_id: `p${i}`,
      title,
      quantity: 1,
      price: 12.5,
      image_url: `https://cdn.example/${i}.jpg`,
    })),
    recovery_url: `https://shop.example/checkouts/${id}/recover?key=k`,
  });
  const entryEvent = { name: 'checkout_started', properties: cart('c-1', ['Mug']) };
  type CheckoutVariable = { items: { title: string; line_total: string }[]; recovery_url: string };
  const checkoutOf = (input: Record<string, unknown>) =>
    (input.variables as { checkout: CheckoutVariable }).checkout;

  it('emails the items after an hour, the updated items with a coupon a day later, then the SMS', async () => {
    const { result, names, inputs, at } = await runFlow(
      abandoned,
      { matches: true },
      {
        entryEvent,
        during: async (handle) => {
          await env.sleep(2 * HOUR);
          // Another checkout's update changes nothing; this checkout's replaces the items.
          const other = cart('c-2', ['Other']);
          await handle.signal(flowEventSignal, { name: 'checkout_updated', properties: other });
          const updated = cart('c-1', ['Mug', 'Teapot']);
          await handle.signal(flowEventSignal, { name: 'checkout_updated', properties: updated });
        },
      },
    );
    expect(result.endReason).toBe('completed');
    expect(names).toEqual([
      'hasPurchased',
      'sendEmail',
      'hasPurchased',
      'assignCoupon',
      'sendEmail',
      'matchesCondition',
      'sendSms',
      'endJourney',
    ]);
    const [first, second] = inputs('sendEmail');
    expect(checkoutOf(first!).items.map((i) => i.title)).toEqual(['Mug']);
    expect(checkoutOf(first!).items[0]!.line_total).toBe('€12.50');
    expect(checkoutOf(first!).recovery_url).toBe(
      'https://shop.example/checkouts/c-1/recover?key=k&utm_source=boomerang&utm_medium=email&utm_campaign=abandoned-checkout',
    );
    expect(checkoutOf(second!).items.map((i) => i.title)).toEqual(['Mug', 'Teapot']);
    expect(second!.variables).toMatchObject({ coupon: { code: 'CODE-7' } });
    expect(checkoutOf(inputs('sendSms')[0]!).recovery_url).toContain('utm_medium=sms');
    expect(at('sendEmail', 0)).toBeGreaterThanOrEqual(HOUR);
    expect(at('sendEmail', 1)).toBeGreaterThanOrEqual(DAY);
    expect(at('sendSms')).toBeGreaterThanOrEqual(3 * DAY);
  });

  it('ends at once when its checkout completes during a wait, not when another one does', async () => {
    const { result, names, at } = await runFlow(
      abandoned,
      {},
      {
        entryEvent,
        during: async (handle) => {
          await env.sleep(2 * HOUR);
          const other = { name: 'checkout_completed', properties: cart('c-2', ['Other']) };
          await handle.signal(flowEventSignal, other);
          await env.sleep(HOUR);
          const mine = { name: 'checkout_completed', properties: cart('c-1', ['Mug']) };
          await handle.signal(flowEventSignal, mine);
        },
      },
    );
    expect(result.endReason).toBe('checkout_completed');
    expect(names).toEqual(['hasPurchased', 'sendEmail', 'endJourney']);
    expect(at('endJourney')).toBeGreaterThanOrEqual(3 * HOUR);
    expect(at('endJourney')).toBeLessThan(4 * HOUR);
  });

  it('browse abandonment: skipped while a checkout journey runs, ended by a checkout started', async () => {
    const viewed = {
      name: 'product_viewed',
      properties: { product_id: 'p1', title: 'Teapot', url: 'https://shop.example/teapot' },
    };
    const running = await runFlow(browse, { running: true }, { entryEvent: viewed });
    expect(running.result.endReason).toBe('checkout_running');
    expect(running.inputs('hasRunningJourney')).toEqual([
      { contactId: 7, campaignId: 'abandoned-checkout' },
    ]);
    expect(running.names).toEqual(['hasRunningJourney', 'endJourney']);

    const mailed = await runFlow(browse, { running: false }, { entryEvent: viewed });
    expect(mailed.names).toEqual(['hasRunningJourney', 'hasPurchased', 'sendEmail', 'endJourney']);
    expect(mailed.inputs('sendEmail')[0]!.variables).toMatchObject({ event: { title: 'Teapot' } });

    const checkout = { name: 'checkout_started', properties: cart('c-9', ['Teapot']) };
    const ended = await runFlow(
      browse,
      {},
      {
        entryEvent: viewed,
        during: async (handle) => {
          await env.sleep(HOUR);
          await handle.signal(flowEventSignal, checkout);
        },
      },
    );
    expect(ended.result.endReason).toBe('checkout_started');
    expect(ended.names).toEqual(['endJourney']);
  });
});
