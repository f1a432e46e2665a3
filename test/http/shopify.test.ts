/**
 * POST /webhooks/shopify over real HTTP on real Postgres: HMAC verification of the raw body,
 * de-duplication by webhook id, and the translation of Shopify's payloads into Boomerang's events.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { mapShopifyWebhook } from '../../src/inbox/shopify.js';
import {
  API_KEY,
  SIGNING_SECRET,
  shopifyOrder,
  signShopify,
  startServer,
  useTestEndpoint,
} from './support.js';

describe('POST /webhooks/shopify', () => {
  const endpoint = useTestEndpoint();

  const deliver = (
    topic: string,
    payload: unknown,
    opts: { webhookId?: string; hmac?: string; raw?: string } = {},
  ) => {
    const body = opts.raw ?? JSON.stringify(payload);
    return fetch(`${endpoint.server.base}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': opts.hmac ?? signShopify(body),
        'x-shopify-shop-domain': 'boomerang-test.myshopify.com',
        ...(opts.webhookId ? { 'x-shopify-webhook-id': opts.webhookId } : {}),
      },
      body,
    });
  };
  const inbox = () =>
    endpoint.database.db.selectFrom('inbox_events').selectAll().orderBy('id').execute();

  beforeEach(async () => {
    await endpoint.database.db.deleteFrom('inbox_events').execute();
    endpoint.kicks = 0;
  });

  it('stores an order with a good HMAC as a purchase event and answers 200', async () => {
    // Shopify's 64-bit ids, beyond JavaScript's safe integers, are kept exactly.
    const raw = JSON.stringify(shopifyOrder())
      .replace('820982911946154500', '820982911946154508')
      .replace('115310627314723950', '115310627314723954');
    const res = await deliver('orders/create', undefined, {
      raw,
      webhookId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: boolean; id: number; duplicate: boolean };
    expect(body).toMatchObject({ accepted: true, type: 'purchase', duplicate: false });
    const [row, ...others] = await inbox();
    expect(others).toHaveLength(0);
    expect(row).toMatchObject({
      id: body.id,
      source: 'shopify',
      dedupe_key: 'webhook:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      type: 'purchase',
    });
    expect(row!.payload).toEqual({
      type: 'purchase',
      contact: {
        external_id: '115310627314723954',
        email: 'jon@example.com',
        first_name: 'Jon',
        last_name: 'Snow',
        newsletter: 'subscribed',
      },
      order: {
        id: '820982911946154508',
        source: 'shopify',
        total: 403,
        currency: 'USD',
        coupon_code: 'WELCOME-7QX2',
        placed_at: '2026-11-24T10:15:00-05:00',
        status: 'paid',
      },
    });
    expect(endpoint.kicks).toBe(1);
  });

  it('refuses a bad or missing HMAC with 401 and stores nothing', async () => {
    const body = JSON.stringify(shopifyOrder());
    const wrongSecret = await deliver('orders/create', undefined, {
      raw: body,
      hmac: signShopify(body, 'another-secret'),
      webhookId: 'w-1',
    });
    expect(wrongSecret.status).toBe(401);
    expect(((await wrongSecret.json()) as { error: string }).error).toMatch(
      /X-Shopify-Hmac-Sha256 does not match/,
    );

    // Signed, then altered: the signature is over the raw bytes.
    const altered = await deliver('orders/create', undefined, {
      raw: body.replace('403.00', '4.00'),
      hmac: signShopify(body),
      webhookId: 'w-2',
    });
    expect(altered.status).toBe(401);

    const res = await fetch(`${endpoint.server.base}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'x-shopify-topic': 'orders/create' },
      body,
    });
    expect(res.status).toBe(401);
    expect(await inbox()).toHaveLength(0);
    expect(endpoint.kicks).toBe(0);
  });

  it('stores orders/cancelled as the purchase event of a cancelled order', async () => {
    const res = await deliver(
      'orders/cancelled',
      shopifyOrder({ cancelled_at: '2026-11-26T08:00:00-05:00', financial_status: 'refunded' }),
      { webhookId: 'w-cancelled' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: true, type: 'purchase' });
    const [row] = await inbox();
    expect(row!.payload).toMatchObject({
      type: 'purchase',
      order: { id: '820982911946154500', source: 'shopify', status: 'cancelled' },
    });
  });

  it('stores a replayed webhook id once', async () => {
    const first = (await (
      await deliver('orders/paid', shopifyOrder(), { webhookId: 'w-replay' })
    ).json()) as { id: number };
    const again = await deliver('orders/paid', shopifyOrder(), { webhookId: 'w-replay' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: first.id, duplicate: true });
    expect(await inbox()).toHaveLength(1);
    expect(endpoint.kicks).toBe(1);
  });

  it('answers 200 to topics and payloads it does not use, and stores nothing', async () => {
    const topic = await deliver(
      'products/update',
      { id: 1, title: 'Sweater' },
      { webhookId: 'w-3' },
    );
    expect(topic.status).toBe(200);
    expect(await topic.json()).toEqual({
      ignored: true,
      reason: 'topic products/update is not one Boomerang uses',
    });

    const pos = await deliver('orders/create', shopifyOrder({ customer: null, email: null }), {
      webhookId: 'w-4',
    });
    expect(await pos.json()).toMatchObject({
      ignored: true,
      reason: expect.stringContaining('has no customer'),
    });

    const pending = await deliver('orders/create', shopifyOrder({ financial_status: 'pending' }), {
      webhookId: 'w-5',
    });
    expect(await pending.json()).toMatchObject({
      ignored: true,
      reason: expect.stringContaining('orders/paid follows'),
    });
    expect(await inbox()).toHaveLength(0);
  });

  it('answers 200 to an order whose only email has another type and no customer id, naming the field, and stores nothing', async () => {
    // As any other field of the wrong type: Shopify would retry a 400 and then drop the subscription.
    const res = await deliver(
      'orders/create',
      shopifyOrder({ customer: { email: 12345 }, email: null, contact_email: null }),
      { webhookId: 'w-email-type' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ignored: true,
      reason:
        'the orders/create payload does not make a valid event: customer.email: has the wrong type (12345); use a string',
    });
    expect(await inbox()).toHaveLength(0);
    expect(endpoint.kicks).toBe(0);
  });

  it('answers 503 while no webhook secret is configured', async () => {
    const unconfigured = await startServer({
      db: endpoint.database.db,
      temporal: endpoint.temporal,
      config: { apiKey: API_KEY, shopifyWebhookSecret: undefined, signingSecret: undefined },
    });
    try {
      const body = JSON.stringify(shopifyOrder());
      const res = await fetch(`${unconfigured.base}/webhooks/shopify`, {
        method: 'POST',
        headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': signShopify(body) },
        body,
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /SHOPIFY_WEBHOOK_SECRET is not set/,
      );
    } finally {
      await unconfigured.close();
    }
    expect(await inbox()).toHaveLength(0);
  });

  it('a signed customers/create replayed under a new webhook id never undoes a newer consent change', async () => {
    const apply = () =>
      processInboxBatch({
        db: endpoint.database.db,
        temporal: endpoint.temporal,
        taskQueue: 'nobody-polls',
      });
    const status = async () =>
      await endpoint.database.db
        .selectFrom('contacts')
        .select(['id', 'newsletter_status'])
        .where('external_id', '=', '9001')
        .executeTakeFirstOrThrow();
    const customer = (consentAt: Date, state: string) => ({
      id: 9001,
      email: 'replay@example.com',
      created_at: '2026-01-10T09:00:00Z',
      updated_at: consentAt.toISOString(),
      email_marketing_consent: { state, consent_updated_at: consentAt.toISOString() },
    });
    const subscribedLastWeek = customer(new Date(Date.now() - 7 * 86_400_000), 'subscribed');
    expect(
      (await deliver('customers/create', subscribedLastWeek, { webhookId: 'r-1' })).status,
    ).toBe(200);
    expect((await apply()).applied).toBe(1);
    const { id } = await status();
    expect((await status()).newsletter_status).toBe('subscribed');

    // Yesterday's email link; today the contact unsubscribes with it.
    const link = `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(
      createUnsubscribeToken(SIGNING_SECRET, id, { now: new Date(Date.now() - 86_400_000) }),
    )}`;
    const oneClick = { method: 'POST', body: 'List-Unsubscribe=One-Click' };
    expect((await fetch(link, oneClick)).status).toBe(200);
    expect((await status()).newsletter_status).toBe('unsubscribed');

    // The same signed body again under a new X-Shopify-Webhook-Id: stored, applied, and stale.
    const replay = await deliver('customers/create', subscribedLastWeek, { webhookId: 'r-2' });
    expect(((await replay.json()) as { duplicate: boolean }).duplicate).toBe(false);
    expect((await apply()).applied).toBe(1);
    expect((await status()).newsletter_status).toBe('unsubscribed');

    // A newer statement wins: the contact subscribes again, which voids yesterday's link.
    const resubscribed = customer(new Date(Date.now() + 60_000), 'subscribed');
    expect((await deliver('customers/create', resubscribed, { webhookId: 'r-3' })).status).toBe(
      200,
    );
    expect((await apply()).applied).toBe(1);
    expect((await status()).newsletter_status).toBe('subscribed');
    const old = await fetch(link, oneClick);
    expect(old.status).toBe(400);
    expect(await old.text()).toContain('This unsubscribe link is no longer valid');
    expect((await status()).newsletter_status).toBe('subscribed');
  });

  it('stores customers/create as a registration and refunds/create as a refund', async () => {
    const customer = {
      id: 706405506930370000,
      email: 'Bob.Norman@mail.example.com',
      first_name: 'Bob',
      last_name: 'Norman',
      phone: '555-625-1199',
      created_at: '2026-11-23T09:00:00-05:00',
      email_marketing_consent: { state: 'not_subscribed', opt_in_level: null },
      sms_marketing_consent: { state: 'subscribed' },
      default_address: { country_code: 'CA' },
    };
    expect((await deliver('customers/create', customer, { webhookId: 'w-c' })).status).toBe(200);
    expect(
      (
        await deliver(
          'refunds/create',
          {
            id: 509562969,
            order_id: 820982911946154500,
            created_at: '2026-11-25T10:00:00-05:00',
            transactions: [
              { kind: 'refund', status: 'success', amount: '41.94' },
              { kind: 'refund', status: 'failure', amount: '10.00' },
            ],
          },
          { webhookId: 'w-r' },
        )
      ).status,
    ).toBe(200);
    const [registration, refund] = await inbox();
    expect(registration).toMatchObject({ type: 'account_registered', dedupe_key: 'webhook:w-c' });
    // The phone has no country code: left out, the registration kept. "not_subscribed" says nothing new.
    expect(registration!.payload).toEqual({
      type: 'account_registered',
      contact: {
        external_id: '706405506930370000',
        email: 'Bob.Norman@mail.example.com',
        first_name: 'Bob',
        last_name: 'Norman',
        country: 'CA',
        sms_consent: true,
      },
      registered_at: '2026-11-23T09:00:00-05:00',
    });
    expect(refund!.payload).toEqual({
      type: 'order_refunded',
      order: { id: '820982911946154500', source: 'shopify' },
      amount: 41.94,
      refunded_at: '2026-11-25T10:00:00-05:00',
    });
  });
});

describe('Shopify payloads → events', () => {
  it('reads the newsletter status from email_marketing_consent, else accepts_marketing', () => {
    const newsletter = (customer: Record<string, unknown>) => {
      const mapped = mapShopifyWebhook('customers/create', {
        id: 1,
        email: 'a@example.com',
        ...customer,
      });
      return mapped.ok
        ? (mapped.event.contact as Record<string, unknown>).newsletter
        : mapped.ignored;
    };
    expect(newsletter({ email_marketing_consent: { state: 'subscribed' } })).toBe('subscribed');
    expect(newsletter({ email_marketing_consent: { state: 'unsubscribed' } })).toBe('unsubscribed');
    expect(newsletter({ email_marketing_consent: { state: 'pending' } })).toBeUndefined();
    expect(newsletter({ accepts_marketing: true })).toBe('subscribed');
    expect(newsletter({ accepts_marketing: false })).toBeUndefined();
    expect(mapShopifyWebhook('customers/create', { id: 1, phone: '+34612345678' })).toEqual({
      ok: false,
      ignored: 'customer 1 has no email: a registration needs one',
    });
  });

  it('says a customer email of another type has the wrong type, as POST /events does', () => {
    expect(mapShopifyWebhook('customers/create', { id: 7, email: 12345 })).toEqual({
      ok: false,
      ignored:
        'the customers/create payload does not make a valid event: email: has the wrong type (12345); use a string',
    });
    // Absent, null or blank: still no email.
    for (const email of [undefined, null, ' '])
      expect(mapShopifyWebhook('customers/create', { id: 7, email })).toEqual({
        ok: false,
        ignored: 'customer 7 has no email: a registration needs one',
      });
  });

  it("names an order's email of another type by its Shopify field, and keeps the purchase where the customer id says who bought", () => {
    const ignored = (order: Record<string, unknown>) => {
      const mapped = mapShopifyWebhook('orders/paid', shopifyOrder(order));
      return mapped.ok ? mapped.event : mapped.ignored;
    };
    const customer = shopifyOrder().customer as Record<string, unknown>;
    // Beside a customer id the purchase is kept, under the id, and the email said left out.
    const beside = mapShopifyWebhook(
      'orders/paid',
      shopifyOrder({ customer: { ...customer, email: 12345 }, email: null, contact_email: null }),
    );
    expect(beside).toMatchObject({
      ok: true,
      event: { type: 'purchase', contact: { external_id: String(customer.id) } },
      dropped: [{ path: 'customer.email', message: 'has the wrong type (12345); use a string' }],
    });
    expect(beside.ok && (beside.event.contact as Record<string, unknown>).email).toBeUndefined();
    // A text email in another field is the contact's.
    expect(ignored({ customer: { ...customer, email: 12345 }, email: 'jon@example.com' })).toEqual(
      expect.objectContaining({ contact: expect.objectContaining({ email: 'jon@example.com' }) }),
    );
    // Without a customer the order's own email is the contact's: its wrong type is named too,
    // not taken for an order without a customer.
    expect(ignored({ customer: null, email: { address: 'jon@example.com' } })).toBe(
      'the orders/paid payload does not make a valid event: email: has the wrong type ({"address":"jon@example.com"}); use a string',
    );
    expect(ignored({ customer: null, email: null, contact_email: 42 })).toBe(
      'the orders/paid payload does not make a valid event: contact_email: has the wrong type (42); use a string',
    );
    // Null or blank is no email: the next field is read.
    expect(ignored({ customer: { ...customer, email: ' ' }, email: 'jon@example.com' })).toEqual(
      expect.objectContaining({ contact: expect.objectContaining({ email: 'jon@example.com' }) }),
    );
  });

  it('maps financial statuses to order statuses', () => {
    const status = (order: Record<string, unknown>) => {
      const mapped = mapShopifyWebhook('orders/create', shopifyOrder(order));
      return mapped.ok ? (mapped.event.order as Record<string, unknown>).status : 'ignored';
    };
    expect(status({ financial_status: 'paid' })).toBe('paid');
    expect(status({ financial_status: 'partially_refunded' })).toBe('paid');
    expect(status({ financial_status: 'refunded' })).toBe('refunded');
    expect(status({ financial_status: 'voided' })).toBe('cancelled');
    expect(status({ cancelled_at: '2026-11-24T11:00:00-05:00' })).toBe('cancelled');
    expect(status({ financial_status: 'authorized' })).toBe('ignored');
  });
});
