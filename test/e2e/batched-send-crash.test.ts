/**
 * The real worker process (src/worker.ts) sending a campaign's emails in batches to the provider
 * simulator is killed with SIGKILL after the simulator accepted a batch and before it answered;
 * another worker takes over. Every contact still gets exactly one email.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ProviderSimulator,
  startProviderSimulator,
} from '../../src/channels/simulator/server.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import { createDevServerEnv, uniqueTaskQueue } from '../support/temporal.js';

const CONTACTS = 40;

describe('crash safety of batched email sends', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let simulator: ProviderSimulator;
  const workers: RunningProcess[] = [];
  beforeAll(async () => {
    [env, database, simulator] = await Promise.all([
      createDevServerEnv(),
      createTestDatabase(),
      startProviderSimulator({ emailRequestsPerSecond: 5 }),
    ]);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await simulator?.close();
    await env?.teardown();
    await database?.drop();
  });

  it('sends each email once when the worker is SIGKILLed between acceptance and answer', async () => {
    const db = database.db;
    await ensurePresetSegments(db);
    const contacts = await db
      .insertInto('contacts')
      .values(
        Array.from({ length: CONTACTS }, (_, i) => ({
          email: `batch-crash${i}@example.com`,
          newsletter_status: 'subscribed' as const,
        })),
      )
      .returning('id')
      .execute();
    await db
      .insertInto('contact_indicators')
      .values(
        contacts.map(({ id }) => ({
          contact_id: id,
          orders_count: 1,
          total_spent: 20,
          frequency: 0,
          recency_days: 0,
          age_days: 200,
          monetary_value: 0,
          clv_12m: 8,
          forecast_purchases_12m: 0.1,
          computed_at: new Date(),
        })),
      )
      .execute();
    await generateCoupons(db, 'batch-crash', CONTACTS + 10, { prefix: 'BC-' });
    await saveCampaign(db, {
      id: 'batch-crash',
      name: 'Batch crash test',
      kind: 'low_clv_coupon',
      couponSet: 'batch-crash',
    });

    const taskQueue = uniqueTaskQueue('batch-crash');
    const startWorker = async () => {
      const worker = startTs('src/worker.ts', {
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: database.url,
        BOOMERANG_SIGNING_SECRET: 's3cret',
        EMAIL_PROVIDER: 'resend',
        RESEND_API_KEY: 're_simulated',
        RESEND_BASE_URL: simulator.url,
        EMAIL_REQUESTS_PER_SECOND: '5',
        EMAIL_BATCH_LEASE_SECONDS: '3',
      });
      workers.push(worker);
      await worker.waitForOutput(/polling task queue/);
      return worker;
    };

    // The first batch is accepted, then answered only after 60 s: the kill lands in between.
    simulator.inject({ kind: 'hold-after-accept', ms: 60_000 });
    const accepted = new Promise<number>((resolve) =>
      simulator.onAccepted((emails) => resolve(emails.length)),
    );
    const first = await startWorker();
    await env.client.workflow.start(launchCampaign, {
      taskQueue,
      workflowId: 'launch/batch-crash',
      args: [{ campaignId: 'batch-crash' }],
    });
    const firstBatch = await accepted;
    first.child.kill('SIGKILL');
    expect(await first.exited()).toBeNull();
    expect(firstBatch).toBeGreaterThan(0);

    await startWorker();
    await until(
      async () => {
        const steps = await db
          .selectFrom('journey_events')
          .select('workflow_id')
          .where('campaign_id', '=', 'batch-crash')
          .where('step', '=', 'wait')
          .execute();
        return steps.length === CONTACTS;
      },
      'every journey to send its email and reach its 7-day wait',
      150_000,
    );

    const rows = await db
      .selectFrom('messages')
      .select(['to_address', 'status', 'provider_message_id'])
      .where('campaign_id', '=', 'batch-crash')
      .execute();
    expect(rows).toHaveLength(CONTACTS);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    const counts = new Map<string, number>();
    for (const e of simulator.emails) counts.set(e.to, (counts.get(e.to) ?? 0) + 1);
    expect(counts.size).toBe(CONTACTS);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // The interrupted batch went again under its key, answered from the simulator's store.
    expect(simulator.stats.idempotentReplays).toBeGreaterThanOrEqual(1);
    const ids = new Map(simulator.emails.map((e) => [e.to, e.id]));
    for (const r of rows) expect(r.provider_message_id).toBe(ids.get(r.to_address));
  }, 300_000);
});
