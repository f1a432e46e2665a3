/**
 * Custom events (`POST /events` with type "track") over real HTTP, applied by the inbox processor
 * with the real workers: validated and de-duplicated as the store's other events, kept per
 * contact, starting one journey per key of a flow whose entry is the event, and ending the wait of
 * running journeys that wait for another event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { updateCampaign } from '../../src/campaigns/update.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { type InboxHarness, startInboxHarness } from './harness.js';

// A shop's own quote journey: its events are custom ones (Boomerang's checkout events are not).
const QUOTE_FOLLOW_UP = {
  id: 'quote-follow-up',
  name: 'Quote follow-up',
  kind: 'flow',
  nodes: {
    start: {
      type: 'entry',
      trigger: 'event',
      event: 'quote_requested',
      where: { channel: 'web' },
      key: 'quote_id',
      next: 'wait-quote',
    },
    'wait-quote': {
      type: 'wait',
      until: { event: 'quote_accepted' },
      timeout: '1 day',
      onEvent: 'accepted',
      onTimeout: 'send-nudge',
    },
    'send-nudge': { type: 'send', channel: 'email', template: 'welcome-offer', next: 'done' },
    accepted: { type: 'exit', reason: 'accepted' },
    done: { type: 'exit', reason: 'completed' },
  },
};

const track = (name: string, properties: Record<string, unknown>, extra = {}) => ({
  type: 'track',
  name,
  properties,
  contact: { email: 'shopper@example.com' },
  ...extra,
});

describe('custom events', () => {
  let h: InboxHarness;
  let contactId: number;

  beforeAll(async () => {
    h = await startInboxHarness('track');
    const { db } = h.database;
    ({ id: contactId } = await db
      .insertInto('contacts')
      .values({ email: 'shopper@example.com', newsletter_status: 'subscribed' })
      .returning('id')
      .executeTakeFirstOrThrow());
    await createCheckedCampaign(db, QUOTE_FOLLOW_UP);
  }, 120_000);
  afterAll(async () => {
    await h?.teardown();
  });

  it('refuses a bad track event naming each field, and a reused event_id with another body (409)', async () => {
    const bad = await h.postEvent({
      type: 'track',
      name: 'Checkout Started',
      properties: ['not', 'an', 'object'],
      contact: { email: 'shopper@example.com' },
    });
    expect(bad.status).toBe(400);
    expect(
      (bad.body as unknown as { problems: { path: string }[] }).problems.map((p) => p.path),
    ).toEqual(['name', 'properties']);

    const first = await h.postEvent(track('wishlist_added', { sku: 'A1' }, { event_id: 'w-1' }));
    expect(first.status).toBe(202);
    const again = await h.postEvent(track('wishlist_added', { sku: 'A1' }, { event_id: 'w-1' }));
    expect(again).toMatchObject({ status: 202, body: { duplicate: true, id: first.body.id } });
    const other = await h.postEvent(track('wishlist_added', { sku: 'B2' }, { event_id: 'w-1' }));
    expect(other.status).toBe(409);
  });

  it("refuses a track event named after one of Boomerang's own events, saying how to send it", async () => {
    const stored = () =>
      h.database.db
        .selectFrom('inbox_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
    const before = await stored();
    const problems = async (name: string) => {
      const answer = await h.postEvent(track(name, { checkout_id: 'c-1' }));
      expect(answer.status, name).toBe(400);
      return (answer.body as unknown as { problems: { path: string; message: string }[] }).problems;
    };
    // As a custom event it would start a checkout journey with no cart, which no order completes.
    expect(await problems('checkout_started')).toEqual([
      {
        path: 'name',
        message:
          '"checkout_started" is one of Boomerang\'s own events, not a custom one: send it as ' +
          '{"type": "checkout_started", …}, or give the custom event another name',
      },
    ]);
    expect((await problems('checkout_completed'))[0]!.message).toContain(
      '"checkout_updated" with "checkout.completed_at"',
    );
    for (const name of ['purchase', 'account_registered', 'checkout_deleted'])
      expect((await problems(name))[0]!.message, name).toContain(`{"type": "${name}", …}`);
    // Flows hear these of an order's cancellation and partial refunds, never of a custom event.
    expect((await problems('order_cancelled'))[0]!.message).toBe(
      '"order_cancelled" is one of Boomerang\'s own events, not a custom one: send the order as ' +
        '{"type": "purchase", …} with "order.status": "cancelled", or give the custom event another name',
    );
    expect((await problems('order_partially_refunded'))[0]!.message).toContain(
      '{"type": "order_refunded", …} with an "amount" below the order\'s total',
    );
    expect(await stored()).toEqual(before);
  });

  it("starts one journey per key of a flow entered on the event, and a later event ends its own key's wait", async () => {
    const { db } = h.database;
    const at = (minute: number) => `2026-12-06T10:0${minute}:00Z`;
    for (const [i, props] of [
      { quote_id: 'c1', channel: 'web' },
      { quote_id: 'c1', channel: 'web' }, // the same quote again: no second journey
      { quote_id: 'c2', channel: 'web' },
      { quote_id: 'c3', channel: 'app' }, // not the entry's `where`
    ].entries())
      expect(
        (await h.postEvent(track('quote_requested', props, { occurred_at: at(i) }))).status,
      ).toBe(202);
    const applied = await processInboxBatch(h.deps);
    expect(applied.failed + applied.rejected).toBe(0);

    const kept = await db
      .selectFrom('contact_events')
      .select(['name', 'properties'])
      .where('contact_id', '=', contactId)
      .where('name', '=', 'quote_requested')
      .orderBy('occurred_at')
      .execute();
    expect(kept.map((e) => e.properties.quote_id)).toEqual(['c1', 'c1', 'c2', 'c3']);

    const c1 = `quote-follow-up/${contactId}/key/c1`;
    const c2 = `quote-follow-up/${contactId}/key/c2`;
    const started = applied.outcomes.flatMap((o) =>
      o.result?.type === 'track' && o.result.name === 'quote_requested'
        ? o.result.journeys.map((j) => `${j.workflowId} ${j.outcome}`)
        : [],
    );
    expect(started).toEqual([`${c1} started`, `${c1} already_enrolled`, `${c2} started`]);
    await h.journeyAt(c1, 'wait-quote');
    await h.journeyAt(c2, 'wait-quote');

    // Only c1's journey is told (and counted): c2's waits for its own quote, so would ignore it.
    expect((await h.postEvent(track('quote_accepted', { quote_id: 'c1' }))).status).toBe(202);
    const completed = await processInboxBatch(h.deps);
    expect(completed.outcomes).toMatchObject([
      { status: 'applied', result: { type: 'track', journeysSignalled: 1, journeys: [] } },
    ]);
    const resultOf = async (id: string) =>
      ((await h.env.client.workflow.getHandle(id).result()) as JourneyResult).endReason;
    expect(await resultOf(c1)).toBe('accepted');
    await h.journeyAt(c2, 'wait-quote');

    // An event without a quote_id is no other quote's: the waiting journey hears it.
    expect((await h.postEvent(track('quote_accepted', { channel: 'web' }))).status).toBe(202);
    expect((await processInboxBatch(h.deps)).outcomes).toMatchObject([
      { status: 'applied', result: { type: 'track', journeysSignalled: 1 } },
    ]);
    expect(await resultOf(c2)).toBe('accepted');
  }, 120_000);
  it('signals a journey kept on an older version for the event that version waits for', async () => {
    const started = async (key: string) => {
      expect(
        (await h.postEvent(track('quote_requested', { quote_id: key, channel: 'web' }))).status,
      ).toBe(202);
      expect(await processInboxBatch(h.deps)).toMatchObject({ applied: 1, failed: 0 });
      const workflowId = `quote-follow-up/${contactId}/key/${key}`;
      await h.journeyAt(workflowId, 'wait-quote');
      return workflowId;
    };
    const onV1 = await started('v1');
    // Version 2 waits for another event; the running journey keeps version 1 and its event.
    const v2 = structuredClone(QUOTE_FOLLOW_UP);
    v2.nodes['wait-quote'].until = { event: 'quote_paid' };
    await updateCampaign(
      { db: h.database.db, temporal: async () => h.env.client },
      QUOTE_FOLLOW_UP.id,
      v2,
      'keep',
    );
    const onV2 = await started('v2');

    expect((await h.postEvent(track('quote_accepted', { quote_id: 'v1' }))).status).toBe(202);
    expect((await processInboxBatch(h.deps)).outcomes).toMatchObject([
      { status: 'applied', result: { type: 'track', journeysSignalled: 1 } },
    ]);
    const result = (await h.env.client.workflow.getHandle(onV1).result()) as JourneyResult;
    expect(result.endReason).toBe('accepted');

    // Version 2's event reaches the journey on version 2 (and not the ended one).
    expect((await h.postEvent(track('quote_paid', { quote_id: 'v2' }))).status).toBe(202);
    expect((await processInboxBatch(h.deps)).outcomes).toMatchObject([
      { status: 'applied', result: { type: 'track', journeysSignalled: 1 } },
    ]);
    const second = (await h.env.client.workflow.getHandle(onV2).result()) as JourneyResult;
    expect(second.endReason).toBe('accepted');
  }, 120_000);
});
