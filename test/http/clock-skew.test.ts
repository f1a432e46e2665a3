/**
 * Times from the store's clock, over real HTTP on real Postgres: a clock a few minutes ahead must
 * not break unsubscribe links, and a time far ahead (or before 1970) is refused, naming the field.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { API_KEY, SIGNING_SECRET, signShopify, useTestEndpoint } from './support.js';

describe("the store's clock", () => {
  const endpoint = useTestEndpoint();
  let seq = 0;

  beforeEach(async () => {
    await endpoint.database.db.deleteFrom('inbox_events').execute();
  });

  const postEvent = (body: unknown) =>
    fetch(`${endpoint.server.base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const deliverShopify = (topic: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return fetch(`${endpoint.server.base}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': signShopify(body),
        'x-shopify-webhook-id': `skew-${++seq}`,
      },
      body,
    });
  };
  const apply = () =>
    processInboxBatch({
      db: endpoint.database.db,
      temporal: endpoint.temporal,
      taskQueue: 'nobody-polls',
    });
  const contactByEmail = (email: string) =>
    endpoint.database.db
      .selectFrom('contacts')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
  const registration = (email: string, at: string, extra: Record<string, unknown> = {}) => ({
    type: 'account_registered',
    contact: { email, newsletter: 'subscribed' },
    registered_at: at,
    occurred_at: at,
    ...extra,
  });
  /** The welcome email's link, sent right after the registration was applied. */
  const linkFor = (contactId: number) =>
    `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(
      createUnsubscribeToken(SIGNING_SECRET, contactId),
    )}`;
  const oneClick = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  };

  /** The unsubscribe link and the one-click POST of an email sent now both work. */
  async function expectUnsubscribeWorks(email: string) {
    const { id } = await contactByEmail(email);
    const page = await fetch(linkFor(id));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<h1>Unsubscribe from our emails?</h1>');
    const res = await fetch(linkFor(id), oneClick);
    expect(await res.text()).toContain('<h1>You are unsubscribed</h1>');
    expect(res.status).toBe(200);
    expect((await contactByEmail(email)).newsletter_status).toBe('unsubscribed');
  }

  it('3 minutes ahead: the welcome email’s link and the one-click POST unsubscribe (POST /events)', async () => {
    const email = `ahead-${++seq}@example.com`;
    const ahead = new Date(Date.now() + 3 * 60_000).toISOString();
    expect((await postEvent(registration(email, ahead))).status).toBe(202);
    expect((await apply()).applied).toBe(1);
    const row = await contactByEmail(email);
    expect(row.newsletter_status).toBe('subscribed');
    // Boomerang's record of the subscription is never later than when it received it.
    expect(row.newsletter_subscribed_at!.getTime()).toBeLessThanOrEqual(Date.now());
    await expectUnsubscribeWorks(email);
  });

  it("3 minutes ahead in Shopify's consent_updated_at: the link and the one-click POST unsubscribe", async () => {
    const email = `shopify-ahead-${++seq}@example.com`;
    const ahead = new Date(Date.now() + 3 * 60_000).toISOString();
    const res = await deliverShopify('customers/create', {
      id: 7000 + seq,
      email,
      created_at: ahead,
      updated_at: ahead,
      email_marketing_consent: { state: 'subscribed', consent_updated_at: ahead },
    });
    expect(res.status).toBe(200);
    expect((await apply()).applied).toBe(1);
    await expectUnsubscribeWorks(email);
  });

  it('a time more than the tolerance ahead is refused with a 400 naming the field', async () => {
    const email = `far-${++seq}@example.com`;
    const res = await postEvent(
      registration(email, new Date(Date.now() - 60_000).toISOString(), {
        occurred_at: '2099-01-01T00:00:00Z',
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problems: { path: string; message: string }[] };
    expect(body.problems).toEqual([
      { path: 'occurred_at', message: expect.stringMatching(/more than 300 seconds after/) },
    ]);
    const tenMinutesAhead = new Date(Date.now() + 10 * 60_000).toISOString();
    const purchase = await postEvent({
      type: 'purchase',
      contact: { email },
      order: { id: `o-${seq}`, total: 10, placed_at: tenMinutesAhead },
    });
    expect(purchase.status).toBe(400);
    expect(JSON.stringify(await purchase.json())).toContain('order.placed_at');
    expect(await endpoint.database.db.selectFrom('inbox_events').selectAll().execute()).toEqual([]);
  });

  it('a time too far ahead is named in the same 400 as the other bad fields', async () => {
    const res = await postEvent({
      type: 'purchase',
      contact: { email: 'a@b.example' },
      order: { id: 'x', total: -1, placed_at: '2099-01-01T00:00:00Z' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problems: { path: string; message: string }[] };
    expect(body.problems).toEqual([
      { path: 'order.total', message: 'must be a number ≥ 0' },
      { path: 'order.placed_at', message: expect.stringMatching(/more than 300 seconds after/) },
    ]);
    // In a batch too, by each event's path.
    const batch = await postEvent({
      events: [
        registration(`batch-${++seq}@example.com`, '2099-01-01T00:00:00Z', { shoe_size: 42 }),
      ],
    });
    expect(
      ((await batch.json()) as { problems: { path: string }[] }).problems.map((p) => p.path),
    ).toEqual(['events[0].shoe_size', 'events[0].registered_at', 'events[0].occurred_at']);
    expect(await endpoint.database.db.selectFrom('inbox_events').selectAll().execute()).toEqual([]);
  });

  it('a time before 1970, or in year 0000, is refused with a 400 naming the field', async () => {
    for (const [at, path] of [
      ['1969-12-31T23:59:59Z', 'registered_at'],
      ['0000-01-01', 'registered_at'],
    ] as const) {
      const res = await postEvent({
        type: 'account_registered',
        contact: { email: `old-${++seq}@example.com` },
        registered_at: at,
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { problems: { path: string; message: string }[] };
      expect(body.problems.map((p) => p.path)).toEqual([path]);
    }
  });

  it("Shopify's consent time far ahead is left out, not kept: a later unsubscribe from the store applies", async () => {
    const email = `shopify-far-${++seq}@example.com`;
    const customer = (state: string, consentAt: string) => ({
      id: 8000 + seq,
      email,
      created_at: new Date(Date.now() - 60_000).toISOString(),
      email_marketing_consent: { state, consent_updated_at: consentAt },
    });
    const res = await deliverShopify(
      'customers/create',
      customer('subscribed', '2099-01-01T00:00:00Z'),
    );
    expect(await res.json()).toMatchObject({ accepted: true });
    expect((await apply()).applied).toBe(1);
    expect((await contactByEmail(email)).newsletter_status).toBe('subscribed');
    // The store says, with its own correct clock, that the contact unsubscribed.
    const unsubscribed = await postEvent({
      type: 'account_registered',
      contact: { email, newsletter: 'unsubscribed' },
      occurred_at: new Date().toISOString(),
    });
    expect(unsubscribed.status).toBe(202);
    expect((await apply()).applied).toBe(1);
    expect((await contactByEmail(email)).newsletter_status).toBe('unsubscribed');
  });
});
