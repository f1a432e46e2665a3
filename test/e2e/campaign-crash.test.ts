/**
 * A worker killed with SIGKILL during assignCoupon, then another during sendEmail: after the
 * restart every contact of the segment has exactly one coupon and exactly one email.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import { createDevServerEnv, uniqueTaskQueue } from '../support/temporal.js';

describe('crash safety of coupons and emails', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  const workers: RunningProcess[] = [];
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await env?.teardown();
    await database?.drop();
  });
  beforeAll(async () => {
    [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  });

  it('assigns one coupon and sends one email per contact despite two SIGKILLs', async () => {
    const db = database.db;
    await ensurePresetSegments(db);
    const contacts = await db
      .insertInto('contacts')
      .values(
        Array.from({ length: 6 }, (_, i) => ({
          email: `crash${i}@example.com`,
          newsletter_status: 'subscribed' as const,
        })),
      )
      .returning('id')
      .execute();
    // Low CLV and low forecast: all six are in "Customers to reengage".
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
    await generateCoupons(db, 'crash', 20, { prefix: 'CR-' });
    await saveCampaign(db, {
      id: 'crash',
      name: 'Crash test',
      kind: 'low_clv_coupon',
      couponSet: 'crash',
    });

    const taskQueue = uniqueTaskQueue('crash');
    const workerEnv = {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: database.url,
      BOOMERANG_SIGNING_SECRET: 's3cret',
      HOLD_MS: '6000',
    };
    const startWorker = async (holdAfter: string) => {
      const worker = startTs('test/support/crash-worker.ts', {
        ...workerEnv,
        HOLD_AFTER: holdAfter,
      });
      workers.push(worker);
      await worker.waitForOutput(/polling task queue/);
      return worker;
    };

    let worker = await startWorker('assignCoupon');
    await env.client.workflow.start(launchCampaign, {
      taskQueue,
      workflowId: 'launch/crash',
      args: [{ campaignId: 'crash' }],
    });
    await worker.waitForOutput(/holding after assignCoupon/, 60_000);
    worker.child.kill('SIGKILL');
    await worker.exited();

    worker = await startWorker('sendEmail');
    await worker.waitForOutput(/holding after sendEmail/, 120_000);
    worker.child.kill('SIGKILL');
    await worker.exited();

    await startWorker('');
    const messages = () =>
      db
        .selectFrom('messages')
        .select(['contact_id', 'status'])
        .where('campaign_id', '=', 'crash')
        .execute();
    await until(
      async () =>
        (await messages()).length === contacts.length &&
        (await messages()).every((m) => m.status === 'sent'),
      'one sent email per contact',
      150_000,
    );
    // Give any duplicate a chance to show up before counting.
    await until(
      async () => {
        const steps = await db
          .selectFrom('journey_events')
          .select('workflow_id')
          .where('campaign_id', '=', 'crash')
          .where('step', '=', 'wait')
          .execute();
        return steps.length === contacts.length;
      },
      'every journey to reach its 7-day wait',
      90_000,
    );

    const sent = await messages();
    expect(sent.map((m) => m.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());
    const coupons = await db
      .selectFrom('coupons')
      .select(['contact_id', 'code'])
      .where('set_id', '=', 'crash')
      .where('assignment_key', 'is not', null)
      .execute();
    expect(coupons.map((c) => c.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());
    const assignedEvents = await db
      .selectFrom('journey_events')
      .select('contact_id')
      .where('campaign_id', '=', 'crash')
      .where('type', '=', 'coupon_assigned')
      .execute();
    expect(assignedEvents).toHaveLength(contacts.length);
  }, 400_000);
});
