/**
 * Flows hearing what happens to a contact's orders, with every real part but the clock: the
 * store's events through the inbox on real Postgres, the real workers, the time-skipping test
 * server. The journeys are watched through queries and the database only: waiting on a result
 * would let the test server skip their waits.
 */
import type { Client } from '@temporalio/client';
import { afterAll } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { journeyWorkflowId, keyedJourneyWorkflowId } from '../../src/campaigns/enrolment.js';
import { journeyQuery } from '../../src/campaigns/journey-contract.js';
import type { OrderStatus } from '../../src/db/schema.js';
import { type EventOutcome, type InboxDeps, processInboxEvent } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { unreachableTemporal } from '../http/support.js';
import { until } from './processes.js';
import { type Stack, useStack } from './stack.js';

/** A review request per order (keyed on `order_id`, then a 10-day wait), ended by any of `exitOn`. */
export const reviewRequestFlow = (exitOn: readonly string[]) => `
id: review-request
name: Review request
kind: flow
exitWhen: { events: [${exitOn.join(', ')}] }
nodes:
  start: { type: entry, trigger: event, event: purchase, key: order_id, next: wait-10d }
  wait-10d: { type: wait, duration: 10 days, next: done }
  done: { type: exit, reason: completed }
`;

/** A flow entered on each `event` (again once the last journey ended), which ends at once. */
export const enteredOnFlow = (id: string, name: string, event: string) => `
id: ${id}
name: ${name}
kind: flow
nodes:
  start: { type: entry, trigger: event, event: ${event}, reentry: after_end, next: done }
  done: { type: exit, reason: completed }
`;

/** A purchase of 40 EUR by rita@example.com (paid unless `status` says otherwise). */
export const purchaseEvent = (orderId: string, eventId: string, status?: OrderStatus) => ({
  type: 'purchase',
  event_id: eventId,
  contact: { email: 'rita@example.com' },
  order: { id: orderId, total: 40, currency: 'EUR', ...(status ? { status } : {}) },
});

/** A refund of the order: in full without `amount`. */
export const refundEvent = (orderId: string, eventId: string, amount?: number, at?: string) => ({
  type: 'order_refunded',
  event_id: eventId,
  order: { id: orderId },
  ...(amount !== undefined ? { amount } : {}),
  ...(at ? { refunded_at: at } : {}),
});

export interface OrderFlows {
  stack: Stack;
  /** What applying an event needs, on the stack. */
  readonly deps: InboxDeps;
  /** `deps` with a Temporal client that reaches no server: every signal and start fails. */
  readonly down: InboxDeps;
  /** The contact rita@example.com, whose orders the tests send. */
  readonly contactId: number;
  /** Stores the event in the inbox as POST /events does, and applies it now. */
  apply(body: unknown, using?: InboxDeps): Promise<EventOutcome>;
  /** Until the journey runs, at its node `wait-10d`. */
  waiting(workflowId: string): Promise<unknown>;
  /** Until the journey has ended: its end reason. */
  ended(workflowId: string): Promise<string | null>;
  orderStatus(orderId: string): Promise<OrderStatus>;
  /** The contact's journey in the campaign keyed per order, for `orderId`. */
  keyedJourney(campaignId: string, orderId: string): string;
  /** The contact's `entry`-th journey in the campaign. */
  journey(campaignId: string, entry?: number): string;
  /** Every journey of the campaign, started or still queued, sorted. */
  journeysOf(campaignId: string): Promise<string[]>;
}

/** The stack with the real workers, the contact, and the flows of `flows` (YAML) created. */
export function useOrderFlows(flows: readonly string[]): OrderFlows {
  let deps: InboxDeps | undefined;
  let unreachable: Client | undefined;
  let contactId = 0;
  const stack = useStack({
    timeSkipping: true,
    workers: { searchAttributes: false },
    setup: async ({ env, database: { db }, workers }) => {
      deps = { db, temporal: env.client, taskQueue: workers!.taskQueue, searchAttributes: false };
      unreachable = await unreachableTemporal();
      ({ id: contactId } = await db
        .insertInto('contacts')
        .values({ email: 'rita@example.com', newsletter_status: 'subscribed' })
        .returning('id')
        .executeTakeFirstOrThrow());
      for (const flow of flows) await createCheckedCampaign(db, parseYaml(flow));
    },
  });
  // Registered after the stack's: closed first.
  afterAll(async () => {
    await unreachable?.connection.close();
  });
  return {
    stack,
    get deps() {
      return deps!;
    },
    get down() {
      return { ...deps!, temporal: unreachable! };
    },
    get contactId() {
      return contactId;
    },
    async apply(body, using = deps!) {
      const accepted = await acceptEvents(stack.database.db, 'api', body);
      if (!accepted.ok) throw new Error(JSON.stringify(accepted.problems));
      return (await processInboxEvent(using, accepted.events[0]!.id))!;
    },
    waiting: (workflowId) =>
      until(
        async () => {
          const handle = stack.env.client.workflow.getHandle(workflowId);
          const { status } = await handle.describe();
          const state = await handle.query(journeyQuery).catch(() => undefined);
          return status.name === 'RUNNING' && state?.currentStep === 'wait-10d';
        },
        `journey ${workflowId} waiting at wait-10d`,
        30_000,
      ),
    ended: (workflowId) =>
      until(
        async () => {
          const row = await stack.database.db
            .selectFrom('journeys')
            .select(['end_reason', 'ended_at'])
            .where('workflow_id', '=', workflowId)
            .executeTakeFirst();
          return row?.ended_at ? row.end_reason : undefined;
        },
        `journey ${workflowId} ended`,
        30_000,
      ),
    async orderStatus(orderId) {
      const { status } = await stack.database.db
        .selectFrom('orders')
        .select('status')
        .where('external_id', '=', orderId)
        .executeTakeFirstOrThrow();
      return status;
    },
    keyedJourney: (campaignId, orderId) => keyedJourneyWorkflowId(campaignId, contactId, orderId),
    journey: (campaignId, entry = 1) => journeyWorkflowId(campaignId, contactId, entry),
    async journeysOf(campaignId) {
      const { db } = stack.database;
      const rows = [
        ...(await db
          .selectFrom('journeys')
          .select('workflow_id')
          .where('campaign_id', '=', campaignId)
          .execute()),
        ...(await db
          .selectFrom('journey_starts')
          .select('workflow_id')
          .where('campaign_id', '=', campaignId)
          .execute()),
      ];
      return rows.map((r) => r.workflow_id).sort();
    },
  };
}
