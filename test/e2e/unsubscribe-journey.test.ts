/**
 * The unsubscribe link of a sent email, followed over HTTP, stops the journey's next email: the
 * reminder 7 days later is not sent. ("Customers to reengage" requires a newsletter subscription,
 * so the journey's "still in segment?" node is where it ends; the send-time consent check behind
 * it is tested in test/activities/messaging.test.ts.)
 */
import type http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { until } from '../support/processes.js';
import { lowClvCampaign } from '../support/campaigns.js';
import { lowValueCustomer } from '../support/customers.js';
import { useStack } from '../support/stack.js';

describe('unsubscribe during a journey', () => {
  let server: http.Server;
  let base: string;
  const stack = useStack({
    timeSkipping: true,
    workers: { searchAttributes: false },
    setup: async ({ env, database, workers }) => {
      server = createHttpServer({ db: database.db, temporal: env.client, config: workers!.config });
      base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    },
  });
  // Registered after the stack's: the server closes first.
  afterAll(() => {
    server?.close();
  });

  it('ends the journey without the reminder once the contact follows the link', async () => {
    const { env, database } = stack;
    const config = stack.workers!.config;
    const db = database.db;
    const id = await lowValueCustomer(db, 'linus@example.com');
    const campaign = await lowClvCampaign(db, 'unsub', { name: 'Unsubscribe test', coupons: 3 });
    const { workflowId } = await startJourney(
      { client: env.client, db, taskQueue: config.temporal.taskQueue, searchAttributes: false },
      campaign,
      id,
    );

    const offer = await until(
      () => db.selectFrom('messages').selectAll().where('contact_id', '=', id).executeTakeFirst(),
      'the offer email',
    );
    // The link as the email carries it, pointed at this test's server.
    const link = /<([^>]+)>/.exec(offer.headers['List-Unsubscribe']!)![1]!;
    // As a mailbox provider's one-click (RFC 8058); a GET only shows the button.
    const page = await fetch(`${base}${new URL(link).pathname}${new URL(link).search}`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/unsubscribed/i);
    expect(
      (
        await db
          .selectFrom('contacts')
          .select('newsletter_status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).newsletter_status,
    ).toBe('unsubscribed');

    const result = (await env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(result.endReason).toBe('left_segment');
    expect(result.steps.map((s) => s.step)).not.toContain('send_reminder');
    const messages = await db
      .selectFrom('messages')
      .select('idempotency_key')
      .where('contact_id', '=', id)
      .execute();
    expect(messages.map((m) => m.idempotency_key)).toEqual([`${workflowId}/send_offer`]);
  }, 120_000);
});
