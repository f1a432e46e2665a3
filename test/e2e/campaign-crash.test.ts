/**
 * A worker killed with SIGKILL during assignCoupon, then another during sendEmail: after the
 * restart every contact of the segment has exactly one coupon and exactly one email.
 */
import { describe, expect, it } from 'vitest';
import { launchCampaign } from '../../src/workflows/launch.js';
import { journeysAt, lowClvCampaign } from '../support/campaigns.js';
import { until } from '../support/processes.js';
import { uniqueTaskQueue } from '../support/temporal.js';
import { useStack } from '../support/stack.js';
import { seedReengageContacts } from '../support/customers.js';

describe('crash safety of coupons and emails', () => {
  const stack = useStack();

  it('assigns one coupon and sends one email per contact despite two SIGKILLs', async () => {
    const { env, database } = stack;
    const db = database.db;
    // Low CLV and low forecast: all six are in "Customers to reengage".
    const contacts = await seedReengageContacts(db, 'crash', 6);
    await lowClvCampaign(db, 'crash', { name: 'Crash test', coupons: 20, prefix: 'CR-' });

    const taskQueue = uniqueTaskQueue('crash');
    const startWorker = (holdAfter: string) =>
      stack.startWorkerProcess('test/support/crash-worker.ts', taskQueue, {
        HOLD_MS: '6000',
        HOLD_AFTER: holdAfter,
      });

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
      async () => (await journeysAt(db, 'crash', 'wait')) === contacts.length,
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
