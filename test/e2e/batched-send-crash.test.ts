/**
 * The real worker process (src/worker.ts) sending a campaign's emails in batches to the provider
 * simulator is killed with SIGKILL after the simulator accepted a batch and before it answered;
 * another worker takes over. Every contact still gets exactly one email.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ProviderSimulator,
  startProviderSimulator,
} from '../../src/channels/simulator/server.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { journeysAt, lowClvCampaign } from '../support/campaigns.js';
import { until } from '../support/processes.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useStack } from '../support/stack.js';
import { seedReengageContacts } from '../support/customers.js';

const CONTACTS = 40;

describe('crash safety of batched email sends', () => {
  let simulator: ProviderSimulator;
  // Registered before the stack's: runs after it, once the worker processes are killed.
  afterAll(async () => {
    await simulator?.close();
  });
  const stack = useStack({
    setup: async () => {
      simulator = await startProviderSimulator({ emailRequestsPerSecond: 5 });
    },
  });

  it('sends each email once when the worker is SIGKILLed between acceptance and answer', async () => {
    const { env, database } = stack;
    const db = database.db;
    await seedReengageContacts(db, 'batch-crash', CONTACTS);
    await lowClvCampaign(db, 'batch-crash', {
      name: 'Batch crash test',
      coupons: CONTACTS + 10,
      prefix: 'BC-',
    });

    const taskQueue = uniqueTaskQueue('batch-crash');
    const startWorker = () =>
      stack.startWorkerProcess('src/worker.ts', taskQueue, {
        EMAIL_PROVIDER: 'resend',
        RESEND_API_KEY: 're_simulated',
        RESEND_BASE_URL: simulator.url,
        EMAIL_REQUESTS_PER_SECOND: '5',
        EMAIL_BATCH_LEASE_SECONDS: '3',
      });

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
      async () => (await journeysAt(db, 'batch-crash', 'wait')) === CONTACTS,
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
