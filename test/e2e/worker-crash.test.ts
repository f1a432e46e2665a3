/**
 * The worker is killed with SIGKILL in the middle of a workflow's side effect; a new worker picks
 * the workflow up and finishes it, and the side effect is done once.
 */
import { describe, expect, it } from 'vitest';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import { until } from '../support/processes.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useStack } from '../support/stack.js';

describe('crash safety of the walking skeleton', () => {
  const stack = useStack();

  it('finishes after the worker is SIGKILLed mid-activity, with each greeting written once', async () => {
    const { env, database } = stack;
    const taskQueue = uniqueTaskQueue('crash');
    const startWorker = () => stack.startWorkerProcess('src/worker.ts', taskQueue);

    const first = await startWorker();
    const workflowId = `greeting/crash-${taskQueue}`;
    // Each greeting step keeps working 4 s after its write: the kill lands inside the activity.
    const handle = await env.client.workflow.start(greetingWorkflow, {
      taskQueue,
      workflowId,
      args: [{ name: 'Linus', pause: '1s', holdMs: 4000 }],
    });

    await until(
      () =>
        database.db
          .selectFrom('greetings')
          .select('id')
          .where('idempotency_key', '=', `${workflowId}/hello`)
          .executeTakeFirst(),
      'the first greeting to be written',
    );
    first.child.kill('SIGKILL');
    expect(await first.exited()).toBeNull(); // killed by the signal, not exited by itself

    await startWorker();
    const result = await handle.result();
    expect(result.messages).toEqual(['Hello, Linus!', 'Goodbye, Linus!']);

    const rows = await database.db
      .selectFrom('greetings')
      .select(['idempotency_key'])
      .where('workflow_id', '=', workflowId)
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.idempotency_key)).toEqual([
      `${workflowId}/hello`,
      `${workflowId}/goodbye`,
    ]);

    // The hello step really ran twice (the kill interrupted its first attempt).
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
