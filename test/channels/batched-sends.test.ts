/**
 * Batched email sends through the provider simulator, with the real `resend` client over real
 * HTTP, real Postgres and the real send activities: every email exactly once, whatever the
 * provider answers (429s, 5xx, a connection dropped after it accepted a batch) and when the
 * sending process is killed in the middle of a batch.
 */
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  MESSAGING_FAILURE,
  type SendMessageInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import { PROVIDER_FAILURE } from '../../src/channels/provider-errors.js';
import { type Sending, type SendingOptions, startSending } from '../../src/channels/sending.js';
import {
  type ProviderSimulator,
  startProviderSimulator,
} from '../../src/channels/simulator/server.js';
import { loadConfig } from '../../src/config.js';
import { formBatch } from '../../src/db/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';

let database: TestDatabase;
let simulator: ProviderSimulator | undefined;
let sending: Sending | undefined;
let run = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db
    .insertInto('campaigns')
    .values({ id: 'batch', kind: 'low_clv_coupon', name: 'Batch', definition: JSON.stringify({}) })
    .execute();
});
afterEach(async () => {
  await sending?.stop();
  sending = undefined;
  await simulator?.close();
  simulator = undefined;
});
afterAll(async () => {
  await database?.drop();
});

function configFor(url: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({
    BOOMERANG_SIGNING_SECRET: 'batch-test-secret',
    EMAIL_PROVIDER: 'resend',
    RESEND_API_KEY: 're_simulated',
    RESEND_BASE_URL: url,
    ...env,
  });
}

/** `count` subscribed contacts (`bad` of them with an address the provider refuses). */
async function contacts(count: number, bad = 0): Promise<number[]> {
  run++;
  const { rows } = await sql<{ id: number }>`
    INSERT INTO contacts (email, newsletter_status, first_name)
    SELECT CASE WHEN g <= ${bad} THEN 'bad' || g || '@nowhere' ELSE 'r' || ${run} || '-' || g || '@example.com' END,
           'subscribed', 'Ada'
      FROM generate_series(1, ${count}::int) g
    RETURNING id`.execute(database.db);
  return rows.map((r) => r.id);
}

function input(contactId: number): SendMessageInput {
  return {
    step: 'send_offer',
    campaignId: 'batch',
    contactId,
    template: { subject: 'Hello {{ contact.first_name }}', html: '<p>Hi</p>' },
    category: 'marketing',
  };
}

/** Runs the send activity as Temporal would: an attempt that is still queued is tried again. */
async function sendAsJourney(
  activities: ReturnType<typeof createMessagingActivities>,
  contactId: number,
): Promise<SendResult> {
  const env = new MockActivityEnvironment({
    workflowExecution: { workflowId: `batch/run-${run}/contact-${contactId}`, runId: 'r' },
  });
  for (;;) {
    try {
      return (await env.run(activities.sendEmail, input(contactId))) as SendResult;
    } catch (error) {
      if (error instanceof ApplicationFailure && error.type === MESSAGING_FAILURE.stillQueued)
        continue;
      throw error;
    }
  }
}

/** The messaging activities, sending to `url`, with the config and channels behind them. */
function setUpParts(url: string, env: NodeJS.ProcessEnv = {}, options: SendingOptions = {}) {
  const config = configFor(url, env);
  const channels = createChannels(config, database.db);
  sending = startSending(config, database.db, channels, { waitMs: 60_000, ...options });
  const activities = createMessagingActivities({
    db: database.db,
    channels,
    config,
    emailQueue: sending.emailQueue,
  });
  return { config, channels, activities };
}

function setUp(
  url: string,
  env: NodeJS.ProcessEnv = {},
  options: SendingOptions = {},
): ReturnType<typeof createMessagingActivities> {
  return setUpParts(url, env, options).activities;
}

/** Each address the simulator accepted, with how many times. */
function deliveries(sim: ProviderSimulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of sim.emails) counts.set(e.to, (counts.get(e.to) ?? 0) + 1);
  return counts;
}

async function expectEachOnce(sim: ProviderSimulator, ids: number[]): Promise<void> {
  const rows = await database.db
    .selectFrom('messages')
    .select(['to_address', 'status', 'provider_message_id'])
    .where('contact_id', 'in', ids)
    .execute();
  expect(rows).toHaveLength(ids.length);
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  const counts = deliveries(sim);
  expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  expect(new Set(counts.keys())).toEqual(new Set(rows.map((r) => r.to_address)));
  // Each journey learnt the id the provider gave its own email.
  const idOf = new Map(sim.emails.map((e) => [e.to, e.id]));
  for (const r of rows) expect(r.provider_message_id).toBe(idOf.get(r.to_address));
}

describe('batched email sends through the provider simulator', () => {
  it('sends 5,000 emails at 5 requests/s, each exactly once, retrying every 429', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 5 });
    // Configured above the simulator's limit, so the simulator must answer 429s and steer the pace.
    const activities = setUp(simulator.url, { EMAIL_REQUESTS_PER_SECOND: '8' });
    const ids = await contacts(5000);
    const started = Date.now();
    const results = await Promise.all(ids.map((id) => sendAsJourney(activities, id)));
    const seconds = (Date.now() - started) / 1000;

    expect(results.filter((r) => r.outcome !== 'sent')).toEqual([]);
    await expectEachOnce(simulator, ids);
    expect(simulator.stats.rateLimited).toBeGreaterThan(0);
    // 5,000 emails in batches of 100 need 50 accepted requests; each 429 was retried, none dropped.
    expect(simulator.stats.batchRequests).toBeGreaterThanOrEqual(50);
    // At most 5 requests/s × 100 emails: 10 s is the floor; a 1-email-per-request sender would take
    // 1,000 s. (Generous above: claiming 5,000 emails is CPU-bound on a loaded 2-core machine.)
    expect(seconds).toBeGreaterThan(9);
    expect(seconds).toBeLessThan(200);
  }, 300_000);

  it('fails only the email the provider refuses, with its reason; the rest of the batch goes', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 0 });
    const activities = setUp(simulator.url);
    const ids = await contacts(20, 2);
    const settled = await Promise.allSettled(ids.map((id) => sendAsJourney(activities, id)));
    const refused = settled.filter((s) => s.status === 'rejected');
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      const error = (r as PromiseRejectedResult).reason as ApplicationFailure;
      expect(error.type).toBe(PROVIDER_FAILURE.rejected);
      expect(error.nonRetryable).toBe(true);
      expect(error.message).toContain('Invalid `to` field');
    }
    expect(simulator.emails).toHaveLength(18);
    const failed = await database.db
      .selectFrom('messages')
      .select(['to_address', 'error'])
      .where('contact_id', 'in', ids)
      .where('status', '=', 'failed')
      .execute();
    expect(failed.map((f) => f.to_address).sort()).toEqual(['bad1@nowhere', 'bad2@nowhere']);
    const events = await database.db
      .selectFrom('journey_events')
      .select('type')
      .where('contact_id', 'in', ids)
      .where('type', '=', 'message_failed')
      .execute();
    expect(events).toHaveLength(2);
  });

  it('sends each email once when the connection drops after the provider accepted a batch, and after 5xx', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 0 });
    simulator.inject({ kind: 'drop-after-accept' });
    simulator.inject({ kind: 'error', status: 503 }, 2);
    const activities = setUp(simulator.url, {}, { lanes: 1 });
    const ids = await contacts(250);
    const results = await Promise.all(ids.map((id) => sendAsJourney(activities, id)));
    expect(results.filter((r) => r.outcome !== 'sent')).toEqual([]);
    await expectEachOnce(simulator, ids);
    expect(simulator.stats.faults).toBe(3);
    // The dropped batch was sent again under its key, and the simulator answered it from its store.
    expect(simulator.stats.idempotentReplays).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('sends each email once when the sending worker is SIGKILLed in the middle of a batch', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 0 });
    // The first request is accepted, then answered only after 30 s: the kill lands in between.
    simulator.inject({ kind: 'hold-after-accept', ms: 30_000 });
    // This process only queues and waits; the email sender runs in the child processes.
    const activities = setUp(simulator.url, {}, { withoutSender: true });
    const ids = await contacts(300);
    const childEnv = {
      DATABASE_URL: database.url,
      RESEND_BASE_URL: simulator.url,
      RESEND_API_KEY: 're_simulated',
      EMAIL_PROVIDER: 'resend',
      BOOMERANG_SIGNING_SECRET: 'batch-test-secret',
      EMAIL_SENDER_LEASE_MS: '2000',
    };
    const script = path.join('test', 'support', 'email-sender-process.ts');
    let first: RunningProcess | undefined = startTs(script, childEnv);
    let second: RunningProcess | undefined;
    try {
      const accepted = new Promise<void>((resolve) => simulator!.onAccepted(() => resolve()));
      const sends = Promise.all(ids.map((id) => sendAsJourney(activities, id)));
      await accepted;
      first.child.kill('SIGKILL');
      await first.exited();
      first = undefined;
      const batch = await database.db
        .selectFrom('message_batches')
        .selectAll()
        .where('idempotency_key', '=', simulator.emails[0]!.idempotencyKey!)
        .executeTakeFirstOrThrow();
      expect(batch.status).toBe('sending');
      second = startTs(script, childEnv);
      const results = await sends;
      expect(results.filter((r) => r.outcome !== 'sent')).toEqual([]);
      await expectEachOnce(simulator, ids);
      expect(simulator.stats.idempotentReplays).toBeGreaterThanOrEqual(1);
      await until(
        async () =>
          (
            await database.db
              .selectFrom('message_batches')
              .select('status')
              .where('id', '=', batch.id)
              .executeTakeFirstOrThrow()
          ).status === 'sent',
        'the interrupted batch to be settled',
      );
    } finally {
      first?.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited();
    }
  }, 120_000);
});

describe('the shared rate limits', () => {
  it('never makes a skipped send wait for a request slot', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 0 });
    // One request every 10 s: any skipped send that took a slot would take seconds.
    const activities = setUp(simulator.url, { EMAIL_REQUESTS_PER_SECOND: '0.1' });
    const ids = await contacts(50);
    await database.db
      .updateTable('contacts')
      .set({ newsletter_status: 'unsubscribed' })
      .where('id', 'in', ids)
      .execute();
    const started = Date.now();
    const results = await Promise.all(ids.map((id) => sendAsJourney(activities, id)));
    expect(results.every((r) => r.outcome === 'skipped')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(simulator.stats.requests).toBe(0);
  });

  it('paces SMS through Twilio at SMS_REQUESTS_PER_SECOND across the process', async () => {
    simulator = await startProviderSimulator({ smsRequestsPerSecond: 0 });
    const config = loadConfig({
      BOOMERANG_SIGNING_SECRET: 'batch-test-secret',
      SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'token',
      TWILIO_FROM: '+15550000000',
      TWILIO_BASE_URL: simulator.url,
      SMS_REQUESTS_PER_SECOND: '5',
    });
    const channels = createChannels(config, database.db);
    sending = startSending(config, database.db, channels);
    const activities = createMessagingActivities({
      db: database.db,
      channels,
      config,
      smsRate: sending.smsRate,
    });
    const ids = await contacts(11);
    await sql`UPDATE contacts SET phone = '+3460000' || lpad(id::text, 4, '0'), sms_consent = true
               WHERE id = any(${ids}::bigint[])`.execute(database.db);
    const started = Date.now();
    const results = await Promise.all(
      ids.map((id) =>
        new MockActivityEnvironment({
          workflowExecution: { workflowId: `sms/run-${run}/${id}`, runId: 'r' },
        }).run(activities.sendSms, { ...input(id), template: { body: 'Hi' } }),
      ),
    );
    expect((results as SendResult[]).every((r) => r.outcome === 'sent')).toBe(true);
    expect(simulator.sms).toHaveLength(11);
    // 11 requests at 5/s: the last one no sooner than 2 s after the first.
    const times = simulator.sms.map((m) => m.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1900);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('does not send again a batch first tried more than 23 hours ago: its emails fail, saying why', async () => {
    simulator = await startProviderSimulator({ emailRequestsPerSecond: 0 });
    const { config, channels, activities } = setUpParts(
      simulator.url,
      {},
      {
        withoutSender: true,
      },
    );
    const ids = await contacts(3);
    const sends = Promise.allSettled(ids.map((id) => sendAsJourney(activities, id)));
    await until(
      async () =>
        (
          await database.db
            .selectFrom('messages')
            .select('id')
            .where('contact_id', 'in', ids)
            .execute()
        ).length === 3,
      'the emails to be queued',
    );
    // A batch recorded a day ago whose sender never came back.
    const batch = await formBatch(database.db, 'email', 'resend', 100, 0);
    await sql`UPDATE message_batches SET created_at = now() - interval '24 hours', leased_until = now() - interval '1 hour'
               WHERE id = ${batch!.batch.id}`.execute(database.db);
    const sender = startSending(config, database.db, channels, { leaseMs: 1000 });
    try {
      const settled = await sends;
      expect(settled.every((s) => s.status === 'rejected')).toBe(true);
      expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/idempotency key/);
      expect(simulator.stats.requests).toBe(0);
    } finally {
      await sender.stop();
    }
  });
});
