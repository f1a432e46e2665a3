/**
 * A journey's end is recorded by a local activity, inside a workflow task. The worker is killed
 * with SIGKILL after that activity wrote the end ('completed': the flow's wait elapsed) and before
 * the task completed; a purchase comes in meanwhile. The retried task sees the purchase first
 * (signals are applied before the timer resolves) and ends the journey 'purchased'. The journeys
 * row and the `ended` event, which the report, /metrics and `contact trace` read, say what the
 * workflow returned.
 */
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

describe("a journey's end after a discarded workflow task", () => {
  const stack = useStack();

  /**
   * A flow journey of a new contact in campaign `id`, whose worker wrote the end 'completed' and
   * was killed before its workflow task completed: no worker polls its task queue afterwards.
   */
  async function journeyEndedByKilledWorker(id: string) {
    const { env, database } = stack;
    const db = database.db;
    const [contact] = await seedReengageContacts(db, id, 1);
    const { campaign } = await saveCampaign(db, {
      id,
      name: 'End after a crash',
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
    // endJourney writes, then holds: the SIGKILL lands before its workflow task completes.
    const first = await stack.startWorkerProcess('test/support/crash-worker.ts', taskQueue, {
      HOLD_AFTER: 'endJourney',
      HOLD_MS: '120000',
    });
    const { workflowId } = await startJourney(
      { client: env.client, db, taskQueue },
      campaign,
      contact!.id,
    );
    await first.waitForOutput(/holding after endJourney/, 60_000);
    first.child.kill('SIGKILL');
    await first.exited();
    const written = () =>
      db
        .selectFrom('journeys')
        .select(['end_reason', 'ended_at'])
        .where('workflow_id', '=', workflowId)
        .executeTakeFirstOrThrow();
    // The discarded task's end is in the table.
    expect((await written()).end_reason).toBe('completed');
    return { contact: contact!, taskQueue, workflowId, written };
  }

  it('is the end the workflow returned, in its row and its ended event', async () => {
    const { env, database } = stack;
    const { taskQueue, workflowId, written } = await journeyEndedByKilledWorker('end-crash');

    const handle = env.client.workflow.getHandle(workflowId);
    await handle.signal(purchaseSignal, {
      orderId: 'end-crash-1',
      placedAt: new Date().toISOString(),
      total: 40,
      currency: 'EUR',
    });
    await stack.startWorkerProcess('src/worker.ts', taskQueue);
    const result = (await handle.result()) as JourneyResult;
    expect(result.endReason).toBe('purchased');

    const row = await written();
    expect(row.end_reason).toBe('purchased');
    const ended = await database.db
      .selectFrom('journey_events')
      .select(['detail', 'occurred_at'])
      .where('workflow_id', '=', workflowId)
      .where('type', '=', 'ended')
      .execute();
    expect(ended).toEqual([{ detail: { reason: 'purchased' }, occurred_at: row.ended_at }]);
  }, 180_000);

  it("reaches the journey with the store's purchase, though its row says it ended", async () => {
    const { env, database } = stack;
    const { contact, taskQueue, workflowId, written } =
      await journeyEndedByKilledWorker('end-crash-store');

    // The store's order, applied as POST /events then the inbox processor apply it.
    const boomerang = createBoomerangClient({
      config: loadConfig({ TEMPORAL_TASK_QUEUE: taskQueue }),
      db: database.db,
      temporal: env.client,
    });
    const recorded = await boomerang.recordPurchase({
      contactId: contact.id,
      orderId: 'end-crash-store-1',
      total: 40,
      currency: 'EUR',
    });
    await boomerang.close();

    await stack.startWorkerProcess('src/worker.ts', taskQueue);
    const result = (await env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(result.endReason).toBe('purchased');
    expect((await written()).end_reason).toBe('purchased');
    // The store is told the journey took it.
    expect(recorded).toMatchObject({
      status: 'applied',
      result: { type: 'purchase', newPurchase: true, journeysSignalled: 1 },
    });
  }, 180_000);
});
