/**
 * Runs campaign journeys on the time-skipping test server with typed activity fakes, recording
 * what each activity was asked to do and at which (skipped) time.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { CouponActivities } from '../../src/activities/coupons.js';
import type { EnteredStep, JourneyActivities } from '../../src/activities/journeys.js';
import type {
  MessagingActivities,
  SendMessageInput,
  SendResult,
} from '../../src/activities/messaging.js';
import { messagesTaskQueue } from '../../src/campaigns/journey-contract.js';
import { uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

export interface Scenario {
  inSegment?: boolean | boolean[];
  purchasedPerOrders?: boolean | boolean[];
  poolExhausted?: boolean;
  emailSkip?: 'unsubscribed' | 'not_subscribed' | 'frequency_cap';
  smsSkip?: 'no_phone' | 'no_sms_consent';
  /** How long until the contact window opens, from the moment it is asked. */
  windowOpensInMs?: number;
  /** Answers a send before the defaults do (e.g. "not now, at retryAt"); undefined: the default answer. */
  answerSend?: (
    name: 'sendEmail' | 'sendSms',
    input: SendMessageInput,
    atMs: number,
  ) => SendResult | undefined;
}

type SendSkip = NonNullable<Scenario['emailSkip'] | Scenario['smsSkip']>;

export interface Call {
  name: string;
  at: number;
  input: Record<string, unknown>;
}

function sequence(value: boolean | boolean[] | undefined, fallback: boolean): () => boolean {
  const values = Array.isArray(value) ? [...value] : undefined;
  return () =>
    values
      ? values.length > 1
        ? values.shift()!
        : values[0]!
      : ((value as boolean | undefined) ?? fallback);
}

export function mockActivities(env: TestWorkflowEnvironment, scenario: Scenario) {
  const calls: Call[] = [];
  const record = async (name: string, input: unknown) =>
    calls.push({ name, at: await env.currentTimeMs(), input: input as Record<string, unknown> });
  const inSegment = sequence(scenario.inSegment, true);
  const purchased = sequence(scenario.purchasedPerOrders, false);
  const journey: JourneyActivities & CouponActivities = {
    recordEnrollment: async (i) => void (await record('recordEnrollment', i)),
    recordStep: async (i) => void (await record('recordStep', i)),
    endJourney: async (i) => void (await record('endJourney', i)),
    failJourney: async (i) => void (await record('failJourney', i)),
    isInSegment: async (i) => (await record('isInSegment', i), inSegment()),
    hasPurchased: async (i) => (await record('hasPurchased', i), purchased()),
    addToSegment: async (i) => void (await record('addToSegment', i)),
    nextContactWindow: async (i) => {
      await record('nextContactWindow', i);
      return new Date(Date.parse(i.now) + (scenario.windowOpensInMs ?? 0)).toISOString();
    },
    assignCoupon: async (i) => {
      await record('assignCoupon', i);
      if (scenario.poolExhausted)
        throw ApplicationFailure.nonRetryable('coupon pool exhausted', 'CouponPoolExhausted');
      return { code: `CODE-${i.contactId}`, expiresAt: null };
    },
  };
  // A send skips for the scenario's reason, else withholds a control-group message, else sends.
  const send =
    (name: 'sendEmail' | 'sendSms', skip: SendSkip | undefined, messageId: number) =>
    async (i: SendMessageInput): Promise<SendResult> => {
      await record(name, i);
      const answer = scenario.answerSend?.(name, i, calls.at(-1)!.at);
      if (answer) return answer;
      if (skip) return { outcome: 'skipped', reason: skip };
      return i.withhold
        ? { outcome: 'skipped', reason: 'holdout' }
        : { outcome: 'sent', messageId };
    };
  const messaging = {
    sendEmail: send('sendEmail', scenario.emailSkip, 1),
    sendSms: send('sendSms', scenario.smsSkip, 2),
  } as MessagingActivities;
  return { calls, journey, messaging };
}

/** Starts the main and the messages worker for one test; returns them with their task queue. */
export async function journeyWorkers(env: TestWorkflowEnvironment, scenario: Scenario) {
  const taskQueue = uniqueTaskQueue('journey');
  const mocks = mockActivities(env, scenario);
  const main = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities: mocks.journey,
  });
  const messages = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: messagesTaskQueue(taskQueue),
    activities: mocks.messaging,
  });
  return {
    taskQueue,
    ...mocks,
    /** Runs fn while both workers poll. */
    async run<T>(fn: () => Promise<T>): Promise<T> {
      return main.runUntil(messages.runUntil(fn));
    },
    /** The nodes entered, in order: written by recordStep or by the node's own activity (`entered`). */
    enteredSteps: () =>
      mocks.calls.flatMap((c) => {
        const entered = c.name === 'recordStep' ? c.input : c.input.entered;
        return entered ? [entered as unknown as EnteredStep] : [];
      }),
    names: () =>
      mocks.calls.map((c) => c.name).filter((n) => n !== 'recordStep' && n !== 'recordEnrollment'),
  };
}
