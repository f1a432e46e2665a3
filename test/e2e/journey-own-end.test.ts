/**
 * A journey records its own end (its journeys row and its `ended` event, which the report,
 * /metrics and `contact trace` read) by a local activity inside a workflow task. Whatever happens
 * to that task or run, they say what the journey's workflow last returned:
 * - The worker is killed with SIGKILL after that activity wrote the end ('completed': the flow's
 *   wait elapsed) and before the task completed; a purchase comes in meanwhile (signalled, or
 *   recorded by the store while the row says ended). The retried task sees the purchase first
 *   (signals are applied before the timer resolves) and ends the journey 'purchased'.
 * - An operator resets a journey that ended (the Web UI's Reset, `temporal workflow reset`) to its
 *   last workflow task; the new run of the same workflow id ends another way.
 */
import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { purchaseSignal } from '../../src/campaigns/journey-contract.js';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { createBoomerangClient } from '../../src/client.js';
import { loadConfig } from '../../src/config.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { seedReengageContacts } from '../support/customers.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useStack } from '../support/stack.js';

// @temporalio/proto is CommonJS: Node's ESM loader sees only its default export.
const { EventType } = proto.temporal.api.enums.v1;

describe("a journey's own end", () => {
  const stack = useStack();

  /** A journey of a new flow `id` (a 2-second wait, then 'completed'; a purchase ends it) on its own task queue. */
  async function waitingJourney(id: string) {
    const { env, database } = stack;
    const [contact] = await seedReengageContacts(database.db, id, 1);
    const { campaign } = await saveCampaign(database.db, {
      id,
      name: `Own end: ${id}`,
      kind: 'flow',
      audience: { limitation: 'all' },
      exitWhen: { purchase: true },
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'pause' },
        pause: { type: 'wait', duration: '2 seconds', next: 'done' },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    const taskQueue = uniqueTaskQueue(id);
    const start = () =>
      startJourney({ client: env.client, db: database.db, taskQueue }, campaign, contact!.id);
    return { contact: contact!, taskQueue, start };
  }

  /**
   * Starts the journey on a worker that writes its end ('completed') and is killed before its
   * workflow task completes: no worker polls its task queue afterwards.
   */
  async function endedByKilledWorker(
    taskQueue: string,
    start: () => Promise<{ workflowId: string }>,
  ) {
    // endJourney writes, then holds: the SIGKILL lands before its workflow task completes.
    const first = await stack.startWorkerProcess('test/support/crash-worker.ts', taskQueue, {
      HOLD_AFTER: 'endJourney',
      HOLD_MS: '120000',
    });
    const { workflowId } = await start();
    await first.waitForOutput(/holding after endJourney/, 60_000);
    first.child.kill('SIGKILL');
    await first.exited();
    // The discarded task's end is in the table.
    expect((await recordedEnd(workflowId)).end_reason).toBe('completed');
    return workflowId;
  }

  const purchase = (orderId: string) => ({
    orderId,
    placedAt: new Date().toISOString(),
    total: 40,
    currency: 'EUR',
  });

  /** The journey's row end and its `ended` events. */
  async function recordedEnd(workflowId: string) {
    const db = stack.database.db;
    const row = await db
      .selectFrom('journeys')
      .select(['end_reason', 'ended_at'])
      .where('workflow_id', '=', workflowId)
      .executeTakeFirstOrThrow();
    const ended = await db
      .selectFrom('journey_events')
      .select(['detail', 'occurred_at'])
      .where('workflow_id', '=', workflowId)
      .where('type', '=', 'ended')
      .execute();
    return { ...row, ended };
  }

  it('after a discarded workflow task, is the end the workflow returned, in its row and its ended event', async () => {
    const { taskQueue, start } = await waitingJourney('end-crash');
    const workflowId = await endedByKilledWorker(taskQueue, start);
    const handle = stack.env.client.workflow.getHandle(workflowId);
    await handle.signal(purchaseSignal, purchase('end-crash-1'));
    await stack.startWorkerProcess('src/worker.ts', taskQueue);
    const result = (await handle.result()) as JourneyResult;
    expect(result.endReason).toBe('purchased');

    const end = await recordedEnd(workflowId);
    expect(end.end_reason).toBe('purchased');
    expect(end.ended).toEqual([{ detail: { reason: 'purchased' }, occurred_at: end.ended_at }]);
  }, 180_000);

  it("after a discarded workflow task, takes the store's purchase, though its row says it ended", async () => {
    const { contact, taskQueue, start } = await waitingJourney('end-crash-store');
    const workflowId = await endedByKilledWorker(taskQueue, start);

    // The store's order, applied as POST /events then the inbox processor apply it.
    const boomerang = createBoomerangClient({
      config: loadConfig({ TEMPORAL_TASK_QUEUE: taskQueue }),
      db: stack.database.db,
      temporal: stack.env.client,
    });
    const recorded = await boomerang.recordPurchase({
      contactId: contact.id,
      orderId: 'end-crash-store-1',
      total: 40,
      currency: 'EUR',
    });
    await boomerang.close();

    await stack.startWorkerProcess('src/worker.ts', taskQueue);
    const result = (await stack.env.client.workflow
      .getHandle(workflowId)
      .result()) as JourneyResult;
    expect(result.endReason).toBe('purchased');
    expect((await recordedEnd(workflowId)).end_reason).toBe('purchased');
    // The store is told the journey took it.
    expect(recorded).toMatchObject({
      status: 'applied',
      result: { type: 'purchase', newPurchase: true, journeysSignalled: 1 },
    });
  }, 180_000);

  it("after an operator reset the journey, is the new run's end, in its row and its ended event", async () => {
    const { client } = stack.env;
    const { taskQueue, start } = await waitingJourney('reset');
    const worker = await stack.startWorkerProcess('src/worker.ts', taskQueue);
    const { workflowId } = await start();
    const first = client.workflow.getHandle(workflowId);
    expect(((await first.result()) as JourneyResult).endReason).toBe('completed');
    expect((await recordedEnd(workflowId)).end_reason).toBe('completed');

    // Reset to the last workflow task (the one that saw the wait elapse and ended the journey),
    // with no worker polling: the purchase signalled to the new run is in its history before that
    // task runs again, and signals are applied before the timer fires, so it ends 'purchased'.
    worker.child.kill('SIGTERM');
    await worker.exited();
    const { runId } = await first.describe();
    const { events } = await first.fetchHistory();
    const lastTask = events
      ?.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
      .at(-1);
    const reset = await client.workflowService.resetWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId, runId },
      workflowTaskFinishEventId: lastTask!.eventId,
      requestId: randomUUID(),
      reason: 'test: re-run the journey',
    });
    const second = client.workflow.getHandle(workflowId, reset.runId!);
    await second.signal(purchaseSignal, purchase('reset-1'));
    await stack.startWorkerProcess('src/worker.ts', taskQueue);
    expect(((await second.result()) as JourneyResult).endReason).toBe('purchased');

    const end = await recordedEnd(workflowId);
    expect(end.end_reason).toBe('purchased');
    expect(end.ended).toEqual([{ detail: { reason: 'purchased' }, occurred_at: end.ended_at }]);
  }, 180_000);
});
