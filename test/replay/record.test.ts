/**
 * Records the histories that test/replay/replay.test.ts replays. Run it only when a workflow
 * change is meant to be incompatible with running journeys (which then need a `patched()` branch
 * instead, or a new workflow type): `npm run record-histories`, or only new cases with
 * `npm run record-histories -- -t NAME`. Otherwise it does nothing.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../src/config.js';
import { parseCampaignDefinition } from '../../src/domain/campaigns/definition.js';
import { parseFlowDefinition } from '../../src/domain/flows/definition.js';
import { flowJourney } from '../../src/workflows/flow.js';
import { inactiveReactivationJourney } from '../../src/workflows/inactive-reactivation.js';
import {
  type FlowEvent,
  flowEventSignal,
  purchaseSignal,
  updateDefinitionSignal,
} from '../../src/campaigns/journey-contract.js';
import { lowClvCouponJourney } from '../../src/workflows/low-clv-coupon.js';
import { welcomeVoucherJourney } from '../../src/workflows/welcome-voucher.js';
import { ORDER_ONE, REFUND_WATCH, refundOf } from '../support/refund-watch.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { journeyWorkers, type Scenario } from '../workflows/journey-harness.js';
import { HISTORIES_DIR } from './histories.js';

const recording = process.env.RECORD_HISTORIES === '1';

/** A coded kind's definition, or a flow's (the interpreter's journeys). */
const parseDefinition = (campaign: unknown) =>
  (campaign as { kind?: string }).kind === 'flow'
    ? parseFlowDefinition(campaign)
    : parseCampaignDefinition(campaign);

describe.runIf(recording)('record workflow histories', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  const lowClv = { id: 'low-clv', name: 'Low CLV', kind: 'low_clv_coupon', couponSet: 'low-clv' };
  const welcome = { id: 'welcome', name: 'Welcome', kind: 'welcome_voucher', couponSet: 'welcome' };
  const cases: {
    name: string;
    workflow: unknown;
    campaign: unknown;
    scenario: Scenario;
    purchaseAfterMs?: number;
    /** A newer definition sent during the journey (`campaign update --running adopt`). */
    update?: { afterMs: number; campaign: unknown };
    /** A flow's entry event, and events signalled after it (each `afterMs` after the previous). */
    entryEvent?: FlowEvent;
    events?: { afterMs: number; event: FlowEvent }[];
  }[] = [
    {
      name: 'low-clv-coupon--reminder-sent',
      workflow: lowClvCouponJourney,
      campaign: lowClv,
      scenario: {},
    },
    {
      name: 'low-clv-coupon--purchase-during-wait',
      workflow: lowClvCouponJourney,
      campaign: lowClv,
      scenario: {},
      purchaseAfterMs: 86_400_000,
    },
    {
      name: 'low-clv-coupon--not-in-segment',
      workflow: lowClvCouponJourney,
      campaign: lowClv,
      scenario: { inSegment: false },
    },
    {
      name: 'inactive-reactivation--coupon-sent',
      workflow: inactiveReactivationJourney,
      campaign: {
        id: 'react',
        name: 'Reactivation',
        kind: 'inactive_reactivation',
        couponSet: 'react',
      },
      scenario: {},
    },
    {
      name: 'welcome-voucher--reminder-email-and-sms',
      workflow: welcomeVoucherJourney,
      campaign: welcome,
      scenario: { windowOpensInMs: 3_600_000 },
    },
    {
      name: 'welcome-voucher--converted-early',
      workflow: welcomeVoucherJourney,
      campaign: welcome,
      scenario: {},
      purchaseAfterMs: 86_400_000,
    },
    {
      name: 'low-clv-coupon--definition-update-adopted',
      workflow: lowClvCouponJourney,
      campaign: lowClv,
      scenario: {},
      update: {
        afterMs: 86_400_000,
        campaign: { ...lowClv, emails: { reminder: 'low-clv-offer' } },
      },
    },
  ];
  const lowClvFlow = parseYaml(
    readFileSync(path.join(PROJECT_ROOT, 'examples/flows/low-clv-coupon.yaml'), 'utf8'),
  ) as Record<string, unknown>;
  cases.push(
    {
      name: 'flow--low-clv-reminder-sent',
      workflow: flowJourney,
      campaign: lowClvFlow,
      scenario: {},
    },
    {
      name: 'flow--low-clv-purchase-during-wait',
      workflow: flowJourney,
      campaign: lowClvFlow,
      scenario: {},
      purchaseAfterMs: 86_400_000,
    },
  );
  // A journey per checkout: its items updated after the first email, its checkout completed
  // during the last wait (exitWhen.events).
  const cart = (titles: string[]) => ({
    checkout_id: 'c-1',
    currency: 'EUR',
    total: 10 * titles.length,
    line_items: titles.map((title, i) => ({ product_id: `p${i}`, title, quantity: 1, price: 10 })),
    recovery_url: 'https://shop.example/checkouts/c-1/recover',
  });
  cases.push({
    name: 'flow--abandoned-checkout-updated-then-completed',
    workflow: flowJourney,
    campaign: parseYaml(
      readFileSync(path.join(PROJECT_ROOT, 'examples/flows/abandoned-checkout.yaml'), 'utf8'),
    ),
    scenario: {},
    entryEvent: { name: 'checkout_started', properties: cart(['Mug']) },
    events: [
      { afterMs: 7_200_000, event: { name: 'checkout_updated', properties: cart(['Mug', 'Tea']) } },
      { afterMs: 86_400_000, event: { name: 'checkout_completed', properties: cart(['Mug']) } },
    ],
  });
  // A journey per order waiting for its refund, told of another order's refund first. Before the
  // patch 'keyed-waits-hear-own-key' that refund ended the wait (recorded then, with the name
  // below); since, the wait goes on until its own order's.
  cases.push(
    {
      name: 'flow--keyed-wait-told-of-another-order--before-patch',
      workflow: flowJourney,
      campaign: REFUND_WATCH,
      scenario: {},
      entryEvent: ORDER_ONE,
      events: [{ afterMs: 86_400_000, event: refundOf('o-2') }],
    },
    {
      name: 'flow--keyed-wait-told-of-another-order',
      workflow: flowJourney,
      campaign: REFUND_WATCH,
      scenario: {},
      entryEvent: ORDER_ONE,
      events: [
        { afterMs: 86_400_000, event: refundOf('o-2') },
        { afterMs: 86_400_000, event: refundOf('o-1') },
      ],
    },
  );
  // Sends held once each (patch 'quiet-hours-and-cap-delay'): the voucher by the cap, the SMS by
  // quiet hours; each journey sleeps until the send's retryAt and sends again.
  const heldSteps = new Set<string>();
  cases.push({
    name: 'welcome-voucher--sends-held-by-cap-and-quiet-hours',
    workflow: welcomeVoucherJourney,
    campaign: { ...welcome, frequencyCap: { whenCapped: 'delay' } },
    scenario: {
      windowOpensInMs: 3_600_000,
      answerSend: (_name, input, at) => {
        const reason = { send_voucher: 'frequency_cap', send_reminder_sms: 'quiet_hours' } as const;
        const held = reason[input.step as keyof typeof reason];
        if (!held || heldSteps.has(input.step)) return undefined;
        heldSteps.add(input.step);
        return {
          outcome: 'skipped',
          reason: held,
          retryAt: new Date(at + 36_000_000).toISOString(),
        };
      },
    },
  });
  // Recorded again once journeys ran their decision nodes as local activities (patch
  // 'local-decision-nodes'); the cases above pin the journeys started before.
  for (const name of [
    'low-clv-coupon--reminder-sent',
    'low-clv-coupon--not-in-segment',
    'welcome-voucher--reminder-email-and-sms',
  ])
    cases.push({ ...cases.find((c) => c.name === name)!, name: `${name}--local-decision-nodes` });

  for (const c of cases) {
    it(c.name, async () => {
      const workers = await journeyWorkers(env, c.scenario);
      const history = await workers.run(async () => {
        const handle = await env.client.workflow.start(c.workflow as typeof lowClvCouponJourney, {
          taskQueue: workers.taskQueue,
          workflowId: c.name,
          args: [
            {
              campaign: parseDefinition(c.campaign) as never,
              contactId: 42,
              ...(c.update ? { definitionVersion: 1 } : {}),
              ...(c.entryEvent ? { entryEvent: c.entryEvent } : {}),
            },
          ],
        });
        for (const { afterMs, event } of c.events ?? []) {
          await env.sleep(afterMs);
          await handle.signal(flowEventSignal, event);
        }
        if (c.update) {
          await env.sleep(c.update.afterMs);
          await handle.signal(updateDefinitionSignal, {
            version: 2,
            campaign: parseDefinition(c.update.campaign) as never,
          });
        }
        if (c.purchaseAfterMs) {
          await env.sleep(c.purchaseAfterMs);
          await handle.signal(purchaseSignal, {
            orderId: 'o-1',
            placedAt: new Date(await env.currentTimeMs()).toISOString(),
            total: 30,
            currency: 'EUR',
          });
        }
        await handle.result();
        return handle.fetchHistory();
      });
      await fs.mkdir(HISTORIES_DIR, { recursive: true });
      await fs.writeFile(
        path.join(HISTORIES_DIR, `${c.name}.json`),
        JSON.stringify(history, null, 1),
      );
    });
  }
});
