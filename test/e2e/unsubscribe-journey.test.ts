/**
 * The unsubscribe link of a sent email, followed over HTTP, stops the journey's next email: the
 * reminder 7 days later is not sent. ("Customers to reengage" requires a newsletter subscription,
 * so the journey's "still in segment?" node is where it ends; the send-time consent check behind
 * it is tested in test/activities/messaging.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { useHttpJourneyStack } from '../support/http-journeys.js';

describe('unsubscribe during a journey', () => {
  const running = useHttpJourneyStack();

  it('ends the journey without the reminder once the contact follows the link', async () => {
    const { env, database } = running.stack;
    const db = database.db;
    const { id, workflowId, offer } = await running.lowClvJourneyPastOffer(
      'linus@example.com',
      'unsub',
    );
    // The link as the email carries it, pointed at this test's server.
    const link = /<([^>]+)>/.exec(offer.headers['List-Unsubscribe']!)![1]!;
    // As a mailbox provider's one-click (RFC 8058); a GET only shows the button.
    const page = await fetch(`${running.base}${new URL(link).pathname}${new URL(link).search}`, {
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
    expect(await running.messageKeys(id)).toEqual([`${workflowId}/send_offer`]);
  }, 120_000);
});
