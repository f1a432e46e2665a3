/**
 * The inbox applied end to end on a Temporal dev server and real Postgres: events posted over
 * HTTP, applied by the processor, journeys started and signalled by real workers.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/inbox/apply.js';
import {
  describeOutcome,
  processInboxBatch,
  retryOffsetSeconds,
  startInboxProcessor,
} from '../../src/inbox/processor.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { journeyQuery } from '../../src/campaigns/journey-contract.js';
import { shopifyOrder, signShopify, unreachableTemporal } from '../http/support.js';
import { until } from '../support/processes.js';
import { type InboxHarness, journeysBySearch, startInboxHarness, WELCOME } from './harness.js';

const registration = (email: string, extra: Record<string, unknown> = {}) => ({
  type: 'account_registered',
  contact: { email, first_name: email.split('@')[0], newsletter: 'subscribed' },
  ...extra,
});

const purchase = (
  email: string,
  orderId: string,
  extra: { order?: Record<string, unknown>; event_id?: string } = {},
) => ({
  type: 'purchase',
  ...(extra.event_id ? { event_id: extra.event_id } : {}),
  contact: { email },
  order: {
    id: orderId,
    total: 59.9,
    currency: 'EUR',
    placed_at: new Date().toISOString(),
    ...extra.order,
  },
});

type Purchase = Extract<ApplyResult, { type: 'purchase' }>;
type Registration = Extract<ApplyResult, { type: 'account_registered' }>;

describe('the inbox processor', () => {
  let h: InboxHarness;
  let down: Client;

  const inboxRow = (id: number) =>
    h.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const contactByEmail = (email: string) =>
    h.database.db.selectFrom('contacts').selectAll().where('email', '=', email).executeTakeFirst();
  const ordersOf = (externalId: string) =>
    h.database.db.selectFrom('orders').selectAll().where('external_id', '=', externalId).execute();
  /** Applies what is due and returns the one outcome expected. */
  const processOne = async (deps = h.deps, now?: Date) => {
    const summary = await processInboxBatch(deps, { now });
    expect(summary.outcomes).toHaveLength(1);
    return summary.outcomes[0]!;
  };
  /** Registers a subscribed contact and waits until its welcome journey waits for a purchase. */
  const registered = async (email: string) => {
    expect((await h.postEvent(registration(email))).status).toBe(202);
    const outcome = await processOne();
    expect(outcome.status).toBe('applied');
    const result = outcome.result as Registration;
    await h.journeyAt(`${WELCOME}/${result.contactId}`, 'wait');
    return result.contactId;
  };

  beforeAll(async () => {
    [h, down] = await Promise.all([startInboxHarness('inbox'), unreachableTemporal()]);
  });
  afterAll(async () => {
    await down?.connection.close();
    await h?.teardown();
  });

  it('applies a registration: the contact, and a welcome journey the Web UI search finds by contact id', async () => {
    const posted = await h.postEvent(
      registration('ada@example.com', {
        event_id: 'reg-ada',
        contact: {
          email: 'ada@example.com',
          first_name: 'Ada',
          newsletter: 'subscribed',
          phone: '+34 612 345 678',
        },
      }),
    );
    expect(posted).toMatchObject({ status: 202, body: { accepted: true, duplicate: false } });

    const outcome = await processOne();
    expect(outcome).toMatchObject({ id: posted.body.id, status: 'applied', attempts: 1 });
    const contact = await contactByEmail('ada@example.com');
    expect(contact).toMatchObject({
      first_name: 'Ada',
      phone: '+34612345678',
      newsletter_status: 'subscribed',
    });
    expect(contact!.registered_at).toBeInstanceOf(Date);
    expect(outcome.result).toEqual({
      type: 'account_registered',
      contactId: contact!.id,
      contact: 'inserted',
      journeys: [
        { campaignId: WELCOME, workflowId: `${WELCOME}/${contact!.id}`, outcome: 'started' },
      ],
    });
    expect(await inboxRow(posted.body.id)).toMatchObject({
      attempts: 1,
      last_error: null,
      processed_at: expect.any(Date),
    });

    const found = await until(
      async () => {
        const ids = await journeysBySearch(h.env.client, contact!.id);
        return ids.length > 0 && ids;
      },
      'the journey in visibility',
      15_000,
    );
    expect(found).toEqual([`${WELCOME}/${contact!.id}`]);

    // The journey runs: the welcome email goes out, then it waits for a purchase.
    await h.journeyAt(`${WELCOME}/${contact!.id}`, 'wait');
    const messages = await h.database.db
      .selectFrom('messages')
      .select(['to_address', 'status'])
      .where('contact_id', '=', contact!.id)
      .execute();
    expect(messages).toEqual([{ to_address: 'ada@example.com', status: 'sent' }]);
  });

  it('signals a purchase posted over HTTP to the running journey, which takes the purchase branch', async () => {
    const contactId = await registered('bea@example.com');
    const code = (
      await h.database.db
        .selectFrom('coupons')
        .select('code')
        .where('assignment_key', 'is', null)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).code;

    const posted = await h.postEvent(
      purchase('BEA@example.com', 'order-bea-1', {
        event_id: 'ord-bea-1',
        order: { coupon_code: code.toLowerCase() },
      }),
    );
    expect(posted.status).toBe(202);
    const outcome = await processOne();
    expect(outcome.status).toBe('applied');
    const result = outcome.result as Purchase;
    expect(result).toMatchObject({
      contactId,
      contact: 'found',
      newPurchase: true,
      couponRedeemed: true,
      journeysSignalled: 1,
      order: { externalId: 'order-bea-1', source: 'api', action: 'inserted', status: 'paid' },
    });

    const handle = h.env.client.workflow.getHandle(`${WELCOME}/${contactId}`);
    const journey = (await handle.result()) as JourneyResult;
    expect(journey.endReason).toBe('purchased');
    expect(journey.steps.map((s) => s.step)).toContain('add_to_segment');
    const state = await handle.query(journeyQuery);
    expect(state.purchases).toEqual([
      expect.objectContaining({ orderId: 'order-bea-1', total: 59.9, currency: 'EUR' }),
    ]);

    const [order] = await ordersOf('order-bea-1');
    expect(order).toMatchObject({
      contact_id: contactId,
      total: 59.9,
      coupon_code: code.toLowerCase(),
      status: 'paid',
    });
    expect(
      await h.database.db
        .selectFrom('coupons')
        .select(['redeemed_order_id'])
        .where('code', '=', code)
        .executeTakeFirstOrThrow(),
    ).toEqual({ redeemed_order_id: order!.id });
  });

  it('applies the same event once however often it is posted', async () => {
    const contactId = await registered('cy@example.com');
    // The registration again, without event_id: the same content is the same event.
    expect((await h.postEvent(registration('cy@example.com'))).body.duplicate).toBe(true);
    // A registration with its own id for the same contact: applied, but the journey is not started twice.
    expect(
      (await h.postEvent(registration('cy@example.com', { event_id: 'reg-cy-again' }))).body
        .duplicate,
    ).toBe(false);
    const again = await processOne();
    expect((again.result as Registration).journeys).toEqual([
      { campaignId: WELCOME, workflowId: `${WELCOME}/${contactId}`, outcome: 'already_enrolled' },
    ]);

    const event = purchase('cy@example.com', 'order-cy-1', { event_id: 'ord-cy-1' });
    const first = await h.postEvent(event);
    const repeat = await h.postEvent(event);
    expect(repeat.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect((await processOne()).result).toMatchObject({ newPurchase: true, journeysSignalled: 1 });
    expect((await processInboxBatch(h.deps)).outcomes).toHaveLength(0);

    // The same order under another event id (Shopify sends orders/create, then orders/paid): recorded, not signalled again.
    expect((await h.postEvent({ ...event, event_id: 'ord-cy-1-paid' })).body.duplicate).toBe(false);
    expect((await processOne()).result).toMatchObject({
      newPurchase: false,
      journeysSignalled: 0,
      order: { action: 'unchanged' },
    });

    expect(await ordersOf('order-cy-1')).toHaveLength(1);
    const inbox = await h.database.db
      .selectFrom('inbox_events')
      .select('dedupe_key')
      .where('dedupe_key', 'like', 'event:ord-cy-1%')
      .execute();
    expect(inbox).toHaveLength(2);
    const journey = (await h.env.client.workflow
      .getHandle(`${WELCOME}/${contactId}`)
      .result()) as JourneyResult;
    expect(journey.endReason).toBe('purchased');
    expect(
      (await h.env.client.workflow.getHandle(`${WELCOME}/${contactId}`).query(journeyQuery))
        .purchases,
    ).toHaveLength(1);
    expect(
      await h.database.db
        .selectFrom('journeys')
        .select('workflow_id')
        .where('contact_id', '=', contactId)
        .execute(),
    ).toHaveLength(1);
  });

  it('tells the new buyer’s journeys of a paid order restated with another buyer, once, naming the previous one', async () => {
    const benId = await registered('ben@example.com');
    const code = (
      await h.database.db
        .selectFrom('coupons')
        .select('code')
        .where('assignment_key', 'is', null)
        .where('redeemed_order_id', 'is', null)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).code;
    // Placed by Abe (placed now, so after Ben's wait began), coupon and all.
    await h.postEvent(
      purchase('abe@example.com', 'order-moved-1', {
        event_id: 'moved-abe',
        order: { coupon_code: code },
      }),
    );
    const placed = (await processOne()).result as Purchase;
    expect(placed).toMatchObject({ newPurchase: true, couponRedeemed: true });
    const abeId = placed.contactId;
    const [stored] = await ordersOf('order-moved-1');

    // The store restates the order with Ben as its customer, without placed_at.
    const moved = {
      type: 'purchase',
      event_id: 'moved-ben',
      contact: { email: 'ben@example.com' },
      order: { id: 'order-moved-1', total: 59.9, currency: 'EUR', coupon_code: code },
    };
    await h.postEvent(moved);
    const outcome = await processOne();
    expect(outcome.result).toMatchObject({
      contactId: benId,
      newPurchase: true,
      couponRedeemed: false,
      journeysSignalled: 1,
      order: { externalId: 'order-moved-1', action: 'updated', status: 'paid', movedFrom: abeId },
    });
    expect(describeOutcome(outcome)).toContain(
      `order order-moved-1 updated (paid), moved from contact ${abeId}; 1 running journey signalled`,
    );
    const handle = h.env.client.workflow.getHandle(`${WELCOME}/${benId}`);
    expect(((await handle.result()) as JourneyResult).endReason).toBe('purchased');
    expect((await handle.query(journeyQuery)).purchases).toEqual([
      expect.objectContaining({
        orderId: 'order-moved-1',
        placedAt: stored!.placed_at.toISOString(),
      }),
    ]);
    expect(await ordersOf('order-moved-1')).toMatchObject([
      { id: stored!.id, contact_id: benId, placed_at: stored!.placed_at },
    ]);
    // The coupon stays redeemed by the order it was redeemed by.
    expect(
      await h.database.db
        .selectFrom('coupons')
        .select('redeemed_order_id')
        .where('code', '=', code)
        .executeTakeFirstOrThrow(),
    ).toEqual({ redeemed_order_id: stored!.id });

    // Ben's order stated again (another delivery of the webhook): no move, no purchase, no signal.
    await h.postEvent({ ...moved, event_id: 'moved-ben-again' });
    const replay = (await processOne()).result as Purchase;
    expect(replay).toMatchObject({
      contactId: benId,
      newPurchase: false,
      journeysSignalled: 0,
      order: { action: 'unchanged' },
    });
    expect(replay.order.movedFrom).toBeUndefined();
    expect((await handle.query(journeyQuery)).purchases).toHaveLength(1);
  });

  it('keeps an event pending while Temporal is unreachable, and applies it once Temporal answers', async () => {
    const downDeps = { ...h.deps, temporal: down };
    const posted = await h.postEvent(registration('dee@example.com'));
    const failed = await processOne(downDeps);
    expect(failed).toMatchObject({
      id: posted.body.id,
      status: 'failed',
      attempts: 1,
      error: expect.stringMatching(/UNAVAILABLE/),
    });
    // The log line ends with why, not with grpc-js's empty "Resolution note: ".
    expect(describeOutcome(failed)).toMatch(
      /: .*14 UNAVAILABLE: No connection established\. Last error: .*ECONNREFUSED [\d.:]+\.$/,
    );
    const row = await inboxRow(posted.body.id);
    expect(row).toMatchObject({ processed_at: null, attempts: 1, last_error: failed.error });
    expect(failed.retryAt).toEqual(
      new Date(row.received_at.getTime() + retryOffsetSeconds(1) * 1000),
    );
    // The contact is stored; its journey is not started yet.
    const contact = await contactByEmail('dee@example.com');
    await expect(
      h.env.client.workflow.getHandle(`${WELCOME}/${contact!.id}`).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // Not due before its backoff has passed; applied when it has.
    expect((await processInboxBatch(h.deps)).outcomes).toHaveLength(0);
    const applied = await processOne(h.deps, new Date(Date.now() + 60_000));
    expect(applied).toMatchObject({ id: posted.body.id, status: 'applied', attempts: 2 });
    expect(applied.result).toMatchObject({
      contactId: contact!.id,
      contact: 'unchanged',
      journeys: [{ outcome: 'started' }],
    });
    expect(await inboxRow(posted.body.id)).toMatchObject({
      processed_at: expect.any(Date),
      last_error: null,
      attempts: 2,
    });

    // A purchase whose signal cannot be sent leaves no order behind, so the retry signals.
    await h.journeyAt(`${WELCOME}/${contact!.id}`, 'wait');
    await h.postEvent(purchase('dee@example.com', 'order-dee-1'));
    expect(await processOne(downDeps)).toMatchObject({ status: 'failed' });
    expect(await ordersOf('order-dee-1')).toHaveLength(0);
    expect((await processOne(h.deps, new Date(Date.now() + 60_000))).result).toMatchObject({
      newPurchase: true,
      journeysSignalled: 1,
    });
    expect(
      (
        (await h.env.client.workflow
          .getHandle(`${WELCOME}/${contact!.id}`)
          .result()) as JourneyResult
      ).endReason,
    ).toBe('purchased');
  });

  it('marks refunded orders, leaves partial refunds paid, and waits for the order of an early refund', async () => {
    await h.postEvent(purchase('eve@example.com', 'order-eve-1', { order: { total: 80 } }));
    expect((await processOne()).result).toMatchObject({
      contact: 'inserted',
      newPurchase: true,
      journeysSignalled: 0,
    });

    await h.postEvent({ type: 'order_refunded', order: { id: 'order-eve-1' }, amount: 20 });
    expect((await processOne()).result).toMatchObject({ outcome: 'partial_refund' });
    await h.postEvent({ type: 'order_refunded', order: { id: 'order-eve-1' } });
    expect((await processOne()).result).toMatchObject({ outcome: 'refunded' });
    expect((await ordersOf('order-eve-1'))[0]!.status).toBe('refunded');

    // A late "paid" delivery of the refunded order does not undo the refund, nor count as a purchase.
    await h.postEvent(
      purchase('eve@example.com', 'order-eve-1', { event_id: 'late-paid', order: { total: 80 } }),
    );
    expect((await processOne()).result).toMatchObject({
      newPurchase: false,
      order: { status: 'refunded' },
    });

    const early = await h.postEvent({ type: 'order_refunded', order: { id: 'order-not-yet' } });
    expect(await processOne()).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('is not known yet'),
    });
    expect(await inboxRow(early.body.id)).toMatchObject({ processed_at: null, attempts: 1 });
    // Leave nothing due for the next tests.
    await h.database.db.deleteFrom('inbox_events').where('id', '=', early.body.id).execute();
  });

  it('places an order posted without placed_at when received, and never moves a stored order’s time', async () => {
    const untimed = (orderId: string, total: number) => ({
      type: 'purchase',
      contact: { email: 'placer@example.com' },
      order: { id: orderId, total, currency: 'EUR' },
    });
    const fresh = await h.postEvent(untimed('order-placer-1', 30));
    expect(fresh).toMatchObject({ status: 202, body: { duplicate: false } });
    expect(await processOne()).toMatchObject({ status: 'applied' });
    const [placed] = await ordersOf('order-placer-1');
    expect(placed!.placed_at).toEqual((await inboxRow(fresh.body.id)).received_at);

    // A known order, restated without placed_at (a corrected total): updated, its time kept.
    await h.postEvent(
      purchase('placer@example.com', 'order-placer-2', {
        order: { placed_at: '2026-01-05T10:00:00Z' },
      }),
    );
    expect(await processOne()).toMatchObject({ status: 'applied' });
    await h.postEvent(untimed('order-placer-2', 45));
    expect((await processOne()).result).toMatchObject({ order: { action: 'updated' } });
    expect(await ordersOf('order-placer-2')).toMatchObject([
      { total: 45, placed_at: new Date('2026-01-05T10:00:00Z') },
    ]);
  });

  it('rejects, without retrying, an event that can never be applied', async () => {
    await h.database.db
      .insertInto('contacts')
      .values([
        { email: 'fay@example.com', external_id: 'cust-fay' },
        { email: 'gus@example.com', external_id: 'cust-gus' },
      ])
      .execute();
    // Gus's email for Fay's customer id: a conflict no retry fixes.
    const posted = await h.postEvent(
      registration('gus@example.com', {
        contact: { external_id: 'cust-fay', email: 'gus@example.com' },
      }),
    );
    const outcome = await processOne();
    expect(outcome).toMatchObject({
      status: 'rejected',
      error: expect.stringContaining('already belongs to another contact'),
    });
    expect(await inboxRow(posted.body.id)).toMatchObject({
      processed_at: expect.any(Date),
      last_error: expect.stringMatching(/^rejected: contact: /),
    });
  });

  it('runs in the background: an accepted event (HTTP or Shopify) is applied at once, without waiting for the poll', async () => {
    const processor = startInboxProcessor(h.deps, {
      intervalMs: 60_000,
      log: { info: () => {}, warn: () => {} },
    });
    const server = await h.startServer({ onEventsAccepted: () => processor.kick() });
    try {
      const res = await fetch(`${server.base}/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.config.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(registration('hal@example.com')),
      });
      const { id } = (await res.json()) as { id: number };
      await until(
        async () => (await inboxRow(id)).processed_at,
        'the registration applied',
        10_000,
      );
      const contact = await contactByEmail('hal@example.com');
      await h.journeyAt(`${WELCOME}/${contact!.id}`, 'wait');

      const body = JSON.stringify(
        shopifyOrder({
          id: 4501,
          email: 'hal@example.com',
          customer: null,
          created_at: new Date().toISOString(),
          discount_codes: [],
        }),
      );
      const hook = await fetch(`${server.base}/webhooks/shopify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-shopify-topic': 'orders/paid',
          'x-shopify-webhook-id': 'w-hal',
          'x-shopify-hmac-sha256': signShopify(body),
        },
        body,
      });
      const { id: hookId } = (await hook.json()) as { id: number };
      await until(
        async () => (await inboxRow(hookId)).processed_at,
        'the Shopify order applied',
        10_000,
      );
      expect(await ordersOf('4501')).toMatchObject([
        { source: 'shopify', contact_id: contact!.id, total: 403, currency: 'USD' },
      ]);
      expect(
        (
          (await h.env.client.workflow
            .getHandle(`${WELCOME}/${contact!.id}`)
            .result()) as JourneyResult
        ).endReason,
      ).toBe('purchased');
    } finally {
      await server.close();
      await processor.stop();
    }
  });
});
