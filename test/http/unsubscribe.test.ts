/** GET /unsubscribe and RFC 8058 one-click POST /unsubscribe, over real HTTP on real Postgres. */
import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { API_KEY, SIGNING_SECRET, startServer, useTestEndpoint } from './support.js';

describe('unsubscribe links', () => {
  const ep = useTestEndpoint();
  let seq = 0;

  const subscribedContact = async (values: { external_id?: string } = {}) =>
    (
      await ep.database.db
        .insertInto('contacts')
        .values({
          email: `reader${++seq}@example.com`,
          newsletter_status: 'subscribed',
          newsletter_subscribed_at: new Date('2026-01-01T00:00:00Z'),
          ...values,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const contact = (id: number) =>
    ep.database.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const tokenFor = (id: number, opts: Parameters<typeof createUnsubscribeToken>[2] = {}) =>
    createUnsubscribeToken(SIGNING_SECRET, id, opts);

  it('GET with a valid token unsubscribes the contact, with the time, and says so in a page', async () => {
    const id = await subscribedContact({ external_id: 'cust-1' });
    const before = new Date();
    const res = await fetch(
      `${ep.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('<h1>You are unsubscribed</h1>');
    const row = await contact(id);
    expect(row.newsletter_status).toBe('unsubscribed');
    expect(row.newsletter_unsubscribed_at!.getTime()).toBeGreaterThanOrEqual(
      before.getTime() - 1000,
    );

    // Following the link again changes nothing, not even the time.
    expect(
      (await fetch(`${ep.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`))
        .status,
    ).toBe(200);
    expect((await contact(id)).newsletter_unsubscribed_at).toEqual(row.newsletter_unsubscribed_at);
  });

  it('answers a tampered, expired or missing token with a 400 page and changes nothing', async () => {
    const id = await subscribedContact();
    const other = await subscribedContact();
    const token = tokenFor(id);
    // Another contact's id with this contact's signature.
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(`v1:unsubscribe:${other}:${Math.floor(Date.now() / 1000)}:`).toString('base64url')}.${signature}`;
    for (const bad of [forged, `${token.slice(0, -2)}AA`, 'not-a-token']) {
      const res = await fetch(`${ep.server.base}/unsubscribe?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('This unsubscribe link is not valid');
      expect(page).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
    const expired = await fetch(
      `${ep.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id, { now: new Date(Date.now() - 3_600_000), expiresInSeconds: 60 }))}`,
    );
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('This unsubscribe link has expired');
    const missing = await fetch(`${ep.server.base}/unsubscribe`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('incomplete');
    expect((await contact(id)).newsletter_status).toBe('subscribed');
    expect((await contact(other)).newsletter_status).toBe('subscribed');
  });

  it('one-click POST (RFC 8058) unsubscribes and answers 200', async () => {
    const id = await subscribedContact();
    const res = await fetch(
      `${ep.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      },
    );
    expect(res.status).toBe(200);
    const row = await contact(id);
    expect(row.newsletter_status).toBe('unsubscribed');
    expect(row.newsletter_unsubscribed_at).toBeInstanceOf(Date);
  });

  it('answers 503 with a page while no signing secret is configured', async () => {
    const unconfigured = await startServer({
      db: ep.database.db,
      temporal: ep.temporal,
      config: { apiKey: API_KEY, shopifyWebhookSecret: undefined, signingSecret: undefined },
    });
    try {
      const id = await subscribedContact();
      const res = await fetch(
        `${unconfigured.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`,
      );
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Unsubscribing is not available right now');
      expect((await contact(id)).newsletter_status).toBe('subscribed');
    } finally {
      await unconfigured.close();
    }
  });
});
