/** GET /unsubscribe and RFC 8058 one-click POST /unsubscribe, over real HTTP on real Postgres. */
import { describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { API_KEY, SIGNING_SECRET, startServer, useTestEndpoint } from './support.js';

describe('unsubscribe links', () => {
  const endpoint = useTestEndpoint();
  let seq = 0;

  const subscribedContact = async (values: { external_id?: string } = {}) =>
    (
      await endpoint.database.db
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
    endpoint.database.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const tokenFor = (id: number, opts: Parameters<typeof createUnsubscribeToken>[2] = {}) =>
    createUnsubscribeToken(SIGNING_SECRET, id, opts);

  it('GET shows a page with a button and changes nothing (mail scanners open links); the button unsubscribes, with the time', async () => {
    const id = await subscribedContact({ external_id: 'cust-1' });
    const before = new Date();
    const link = `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`;
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const page = await res.text();
    expect(page).toContain('<h1>Unsubscribe from our emails?</h1>');
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(page);
    expect(form).not.toBeNull();
    expect(form![2]).toContain('<button type="submit"');
    expect((await contact(id)).newsletter_status).toBe('subscribed');

    // The browser submits the form: the action is relative to the page, the fields are its inputs.
    const fields = [...form![2]!.matchAll(/name="([^"]+)" value="([^"]+)"/g)].map(
      ([, k, v]) => `${encodeURIComponent(k!)}=${encodeURIComponent(v!.replace(/&amp;/g, '&'))}`,
    );
    const submitted = await fetch(new URL(form![1]!.replace(/&amp;/g, '&'), link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.join('&'),
    });
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toContain('<h1>You are unsubscribed</h1>');
    const row = await contact(id);
    expect(row.newsletter_status).toBe('unsubscribed');
    expect(row.newsletter_unsubscribed_at!.getTime()).toBeGreaterThanOrEqual(
      before.getTime() - 1000,
    );

    // Following the link again says so, and changes nothing, not even the time.
    const again = await fetch(link);
    expect(await again.text()).toContain('<h1>You are unsubscribed</h1>');
    await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect((await contact(id)).newsletter_unsubscribed_at).toEqual(row.newsletter_unsubscribed_at);
  });

  it('refuses a link older than UNSUBSCRIBE_LINK_DAYS (default 365), whatever its own expiry says', async () => {
    const id = await subscribedContact();
    const issued = (daysAgo: number) =>
      `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(
        tokenFor(id, { now: new Date(Date.now() - daysAgo * 86_400_000) }),
      )}`;
    const old = await fetch(issued(366), { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(old.status).toBe(400);
    expect(await old.text()).toContain('This unsubscribe link has expired');
    expect((await contact(id)).newsletter_status).toBe('subscribed');

    const shortLived = await startServer({
      db: endpoint.database.db,
      temporal: endpoint.temporal,
      config: {
        apiKey: API_KEY,
        shopifyWebhookSecret: undefined,
        signingSecret: SIGNING_SECRET,
        unsubscribeLinkDays: 30,
      },
    });
    try {
      const month = `${shortLived.base}${new URL(issued(31)).pathname}${new URL(issued(31)).search}`;
      expect((await fetch(month, { method: 'POST' })).status).toBe(400);
      const recent = `${shortLived.base}${new URL(issued(29)).pathname}${new URL(issued(29)).search}`;
      expect((await fetch(recent, { method: 'POST' })).status).toBe(200);
    } finally {
      await shortLived.close();
    }
    expect((await contact(id)).newsletter_status).toBe('unsubscribed');
  });

  it('a link from before the contact subscribed again is void: GET says so, POST changes nothing', async () => {
    const id = await subscribedContact();
    const token = tokenFor(id, { now: new Date(Date.now() - 3_600_000) });
    await endpoint.database.db
      .updateTable('contacts')
      .set({ newsletter_subscribed_at: new Date(Date.now() - 60_000) })
      .where('id', '=', id)
      .execute();
    const link = `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(token)}`;
    for (const init of [{}, { method: 'POST', body: 'List-Unsubscribe=One-Click' }]) {
      const res = await fetch(link, init);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This unsubscribe link is no longer valid');
    }
    expect((await contact(id)).newsletter_status).toBe('subscribed');
    // A link of an email sent since then works.
    const fresh = `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`;
    expect((await fetch(fresh, { method: 'POST' })).status).toBe(200);
    expect((await contact(id)).newsletter_status).toBe('unsubscribed');
  });

  it('answers a tampered, expired or missing token with a 400 page and changes nothing', async () => {
    const id = await subscribedContact();
    const other = await subscribedContact();
    const token = tokenFor(id);
    // Another contact's id with this contact's signature.
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(`v1:unsubscribe:${other}:${Math.floor(Date.now() / 1000)}:`).toString('base64url')}.${signature}`;
    for (const bad of [forged, `${token.slice(0, -2)}AA`, 'not-a-token']) {
      const res = await fetch(
        `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(bad)}`,
      );
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('This unsubscribe link is not valid');
      expect(page).not.toMatch(/at .*\.ts:\d+|Error:/);
    }
    const expired = await fetch(
      `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id, { now: new Date(Date.now() - 3_600_000), expiresInSeconds: 60 }))}`,
    );
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('This unsubscribe link has expired');
    const missing = await fetch(`${endpoint.server.base}/unsubscribe`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('incomplete');
    expect((await contact(id)).newsletter_status).toBe('subscribed');
    expect((await contact(other)).newsletter_status).toBe('subscribed');
  });

  it('one-click POST (RFC 8058) unsubscribes and answers 200', async () => {
    const id = await subscribedContact();
    const res = await fetch(
      `${endpoint.server.base}/unsubscribe?token=${encodeURIComponent(tokenFor(id))}`,
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
      db: endpoint.database.db,
      temporal: endpoint.temporal,
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
