/**
 * A launch's journeys are started by the worker, which polls their task queue: they start eagerly
 * where the server allows it (`npm start`'s dev server does), their first workflow task coming
 * back with the start instead of through a poll (Temporal 1.32 allows it by default; Boomerang's
 * servers say so explicitly). A server set not to allow it runs the same start as before: the
 * journeys reach their first email either way.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { controlTaskQueue } from '../../src/campaigns/journey-contract.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';
import { createDevServerEnv } from '../support/temporal.js';
import { type RunningWorkers, startRealWorkers } from '../support/workers.js';

describe('journeys started by the worker', () => {
  let env: TestWorkflowEnvironment | undefined;
  let database: TestDatabase | undefined;
  let workers: RunningWorkers | undefined;
  afterEach(async () => {
    await workers?.stop();
    await env?.teardown();
    await database?.drop();
  });

  for (const eagerOnServer of [true, false])
    it(`reach their first email, ${eagerOnServer ? 'started eagerly by a server that allows it' : 'started as before by a server set not to allow eager starts'}`, async () => {
      [env, database] = await Promise.all([
        createDevServerEnv({ eagerStart: eagerOnServer }),
        createTestDatabase(),
      ]);
      const { db } = database;
      await ensurePresetSegments(db);
      const contacts = await db
        .insertInto('contacts')
        .values(
          [1, 2, 3].map((i) => ({ email: `c${i}@example.com`, newsletter_status: 'subscribed' })),
        )
        .returning('id')
        .execute();
      // In "Customers to reengage": a single order, long ago, a low CLV.
      await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
        SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
      await generateCoupons(db, 'eager', 10, { prefix: 'E-' });
      await saveCampaign(db, {
        id: 'eager',
        name: 'Eager',
        kind: 'low_clv_coupon',
        couponSet: 'eager',
      });
      workers = await startRealWorkers(env, db, { eagerStart: true, name: 'eager' });

      await env.client.workflow.execute(launchCampaign, {
        taskQueue: controlTaskQueue(workers.taskQueue),
        workflowId: 'launch/eager',
        args: [{ campaignId: 'eager' }],
      });
      await until(async () => {
        const sent = await db.selectFrom('messages').select('id').execute();
        return sent.length === contacts.length;
      }, 'every first email');

      for (const { id } of contacts) {
        const history = await env.client.workflow.getHandle(`eager/${id}`).fetchHistory();
        const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
        expect(started.eagerExecutionAccepted ?? false, `eager/${id}`).toBe(eagerOnServer);
      }
    }, 120_000);
});
