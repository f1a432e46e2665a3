/**
 * On the production Temporal server (Postgres persistence and SQL visibility), two worker
 * processes share the task queues; one is killed with SIGKILL in the middle of a campaign, right
 * after an email went out and before Temporal heard of it. Every journey still reaches its 7-day
 * wait, with exactly one email and one coupon per contact.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import {
  SERVER_BUILD_TIMEOUT_MS,
  startTestTemporalServer,
  type TestTemporalServer,
} from '../support/temporal-server.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const CONTACTS = 24;

describe('the production Temporal server with two workers', () => {
  let server: TestTemporalServer;
  let database: TestDatabase;
  let client: Client;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    [server, database] = await Promise.all([startTestTemporalServer(), createTestDatabase()]);
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
  }, SERVER_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited()));
    await client?.connection.close();
    await server?.stop();
    await database?.drop();
  }, 60_000);

  it('loses nothing and sends nothing twice when one of two workers is killed mid-campaign', async () => {
    const db = database.db;
    await ensurePresetSegments(db);
    const contacts = await db
      .insertInto('contacts')
      .values(
        Array.from({ length: CONTACTS }, (_, i) => ({
          email: `prod${i}@example.com`,
          newsletter_status: 'subscribed' as const,
        })),
      )
      .returning('id')
      .execute();
    // Low CLV and low forecast: every contact is in "Customers to reengage".
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
    await generateCoupons(db, 'prod', CONTACTS + 10, { prefix: 'PR-' });
    await saveCampaign(db, {
      id: 'prod',
      name: 'Two workers',
      kind: 'low_clv_coupon',
      couponSet: 'prod',
    });

    const taskQueue = uniqueTaskQueue('prod');
    const startWorker = async (holdAfter: string) => {
      const worker = startTs('test/support/crash-worker.ts', {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: database.url,
        BOOMERANG_SIGNING_SECRET: 's3cret',
        EMAIL_REQUESTS_PER_SECOND: '1000',
        SMS_REQUESTS_PER_SECOND: '1000',
        HOLD_AFTER: holdAfter,
        HOLD_MS: '10000',
      });
      workers.push(worker);
      await worker.waitForOutput(/polling task queue/, 180_000);
      return worker;
    };
    // The victim pauses after each send's side effect: the worst moment to die.
    const [victim, survivor] = await Promise.all([startWorker('sendEmail'), startWorker('')]);

    await client.workflow.start(launchCampaign, {
      taskQueue,
      workflowId: 'launch/prod',
      args: [{ campaignId: 'prod' }],
    });
    await victim.waitForOutput(/holding after sendEmail/, 120_000);
    victim.child.kill('SIGKILL');
    await victim.exited();

    const waiting = () =>
      db
        .selectFrom('journey_events')
        .select('workflow_id')
        .where('campaign_id', '=', 'prod')
        .where('step', '=', 'wait')
        .execute();
    await until(
      async () => (await waiting()).length === CONTACTS,
      'every journey to reach its 7-day wait',
      240_000,
    );

    const messages = await db
      .selectFrom('messages')
      .select(['contact_id', 'status'])
      .where('campaign_id', '=', 'prod')
      .execute();
    expect(messages.map((m) => m.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());
    expect(messages.every((m) => m.status === 'sent')).toBe(true);
    const coupons = await db
      .selectFrom('coupons')
      .select('contact_id')
      .where('set_id', '=', 'prod')
      .where('assignment_key', 'is not', null)
      .execute();
    expect(coupons.map((c) => c.contact_id).sort()).toEqual(contacts.map((c) => c.id).sort());

    // Not stuck: Temporal's own view (SQL visibility) has every journey running, asleep in its wait.
    await until(
      async () =>
        (
          await client.workflow.count(
            `BoomerangCampaign = 'prod' AND BoomerangStep = 'wait' AND ExecutionStatus = 'Running'`,
          )
        ).count === CONTACTS,
      'visibility to show every journey waiting',
      30_000,
    );
    const launch = await client.workflow.getHandle('launch/prod').describe();
    expect(launch.status.name).toBe('COMPLETED');
    expect(survivor.child.exitCode).toBeNull();
  }, 600_000);
});
