import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGreetingActivities } from '../../src/activities/greeting.js';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

describe('walking skeleton: greeting workflow', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnv(), createTestDatabase()]);
  });
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  it('writes both greetings to Postgres across a durable multi-day pause', async () => {
    const taskQueue = uniqueTaskQueue();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createGreetingActivities({ db: database.db }),
    });
    const workflowId = `greeting/${taskQueue}`;
    const startedAt = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute(greetingWorkflow, {
        taskQueue,
        workflowId,
        args: [{ name: 'Ada', pause: '3 days' }],
      }),
    );
    expect(result.messages).toEqual(['Hello, Ada!', 'Goodbye, Ada!']);
    // The test server skipped the three days rather than waiting them out.
    expect((await env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(3 * 24 * 3600 * 1000);

    const rows = await database.db
      .selectFrom('greetings')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.idempotency_key, r.message])).toEqual([
      [`${workflowId}/hello`, 'Hello, Ada!'],
      [`${workflowId}/goodbye`, 'Goodbye, Ada!'],
    ]);
  });

  it('a retried greeting step finds its first write instead of writing again', async () => {
    const activities = createGreetingActivities({ db: database.db });
    const activityEnv = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'greeting/retry', runId: 'r1' },
    });
    const first: { firstAttempt: boolean } = await activityEnv.run(activities.recordGreeting, {
      step: 'hello',
      name: 'Grace',
    });
    const retry: { firstAttempt: boolean } = await activityEnv.run(activities.recordGreeting, {
      step: 'hello',
      name: 'Grace',
    });
    expect(first.firstAttempt).toBe(true);
    expect(retry.firstAttempt).toBe(false);
    const count = await database.db
      .selectFrom('greetings')
      .where('workflow_id', '=', 'greeting/retry')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });
});
