/**
 * POST /events over real HTTP on real Postgres: authentication, limits, validation, storage in
 * the inbox and de-duplication. Temporal is unreachable on purpose: accepting an event needs
 * only Postgres (applying it is the inbox processor's job, see test/inbox).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, postChunked, startServer, useTestEndpoint } from './support.js';

const registration = (email: string, extra: Record<string, unknown> = {}) => ({
  type: 'account_registered',
  contact: { email, first_name: 'Ada', newsletter: 'subscribed' },
  ...extra,
});

const purchase = (orderId: string, extra: Record<string, unknown> = {}) => ({
  type: 'purchase',
  contact: { email: 'ada@example.com' },
  order: { id: orderId, total: 42.5, currency: 'EUR', placed_at: '2026-11-24T09:30:00Z' },
  ...extra,
});

describe('POST /events', () => {
  const ep = useTestEndpoint();

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${ep.server.base}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${API_KEY}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const inbox = () => ep.database.db.selectFrom('inbox_events').selectAll().orderBy('id').execute();

  beforeEach(async () => {
    await ep.database.db.deleteFrom('inbox_events').execute();
    ep.kicks = 0;
  });

  it('refuses a missing or wrong API key with 401 and a JSON error', async () => {
    const missing = await post(registration('a@example.com'), { authorization: '' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.json()).toEqual({
      error: expect.stringContaining('missing Authorization header'),
    });

    const wrong = await post(registration('a@example.com'), {
      authorization: `Bearer ${API_KEY}x`,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'wrong API key' });

    const notBearer = await post(registration('a@example.com'), {
      authorization: `Basic ${API_KEY}`,
    });
    expect(notBearer.status).toBe(401);
    expect(await inbox()).toHaveLength(0);
  });

  it('reads the Authorization header as RFC 6750 says: scheme in any case, then spaces, then a b64token', async () => {
    for (const authorization of [`bearer ${API_KEY}`, `BEARER ${API_KEY}`, `Bearer  ${API_KEY}`]) {
      const res = await post(registration('rfc@example.com'), { authorization });
      expect(res.status, authorization).toBe(202);
    }
    // Not a b64token, a tab for the space, or two tokens: a malformed request (400, invalid_request).
    for (const authorization of [
      `Bearer\t${API_KEY}`,
      `Bearer ${API_KEY} ${API_KEY}`,
      `Bearer ${API_KEY},x`,
      `Bearer "${API_KEY}"`,
      'Bearer',
    ]) {
      const res = await post(registration('rfc@example.com'), { authorization });
      expect(res.status, authorization).toBe(400);
      expect(res.headers.get('www-authenticate'), authorization).toBe(
        'Bearer realm="boomerang", error="invalid_request"',
      );
    }
    // A wrong token says invalid_token; no credentials at all get the bare challenge (§3.1).
    const wrong = await post(registration('rfc@example.com'), {
      authorization: `Bearer ${API_KEY}x`,
    });
    expect(wrong.headers.get('www-authenticate')).toBe(
      'Bearer realm="boomerang", error="invalid_token"',
    );
    const none = await post(registration('rfc@example.com'), { authorization: '' });
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="boomerang"');
    expect(await inbox()).toHaveLength(1);
  });

  it('refuses every request with 401 when no API key is configured', async () => {
    const unconfigured = await startServer({
      db: ep.database.db,
      temporal: ep.temporal,
      config: { apiKey: undefined, shopifyWebhookSecret: undefined, signingSecret: undefined },
    });
    try {
      const res = await fetch(`${unconfigured.base}/events`, {
        method: 'POST',
        headers: { authorization: 'Bearer anything', 'content-type': 'application/json' },
        body: JSON.stringify(registration('a@example.com')),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(
        /BOOMERANG_API_KEY is not set/,
      );
    } finally {
      await unconfigured.close();
    }
    expect(await inbox()).toHaveLength(0);
  });

  it('wants JSON: 415 for another content type, 400 naming the problem for malformed JSON', async () => {
    const form = await post('type=purchase', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(((await form.json()) as { error: string }).error).toMatch(
      /Content-Type: application\/json/,
    );

    const malformed = await post('{"type": "purchase",');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^malformed JSON: /);

    const empty = await post('');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: 'malformed JSON: the body is empty' });
    expect(await inbox()).toHaveLength(0);
  });

  it('refuses a body over 256 KiB with 413, announced or streamed', async () => {
    const big = JSON.stringify(registration('a@example.com', { padding: 'x'.repeat(300 * 1024) }));
    const announced = await post(big);
    expect(announced.status).toBe(413);
    expect(await announced.json()).toMatchObject({
      error: expect.stringContaining('larger than 262144 bytes'),
    });

    const streamed = await postChunked(
      `${ep.server.base}/events`,
      { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      Array.from({ length: 40 }, () => Buffer.alloc(16 * 1024, 'x')),
    );
    expect(streamed.status).toBe(413);
    expect(await inbox()).toHaveLength(0);

    // The limit is the body's, not the server's: the next request is served.
    expect((await post(registration('after@example.com'))).status).toBe(202);
  });

  it('answers 400 listing every bad field by its path', async () => {
    const res = await post({
      type: 'purchase',
      contact: { email: 'not-an-email', phone: '612 345 678', shoe_size: 42 },
      order: { id: 'o-1', total: -3, currency: 'euro', placed_at: 'yesterday', coupon: 'X' },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: string;
      problems: { path: string; message: string }[];
    };
    expect(body.error).toBe('invalid event');
    const byPath = Object.fromEntries(body.problems.map((p) => [p.path, p.message]));
    expect(byPath).toMatchObject({
      'contact.email': expect.stringContaining('is not a valid email address'),
      'contact.phone': expect.stringContaining('has no country code'),
      'contact.shoe_size': expect.stringContaining('is not a contact field'),
      'order.total': 'must be a number ≥ 0',
      'order.currency': 'must be an ISO 4217 code such as EUR',
      'order.placed_at': expect.stringContaining('is not an ISO 8601 date-time'),
      'order.coupon': 'is not a known field',
    });

    const wrongType = await post({ type: 'order_placed' });
    expect(await wrongType.json()).toEqual({
      error: 'invalid event',
      problems: [
        {
          path: 'type',
          message:
            '"order_placed" is not an event type; use one of account_registered, purchase, order_refunded, track, checkout_started, checkout_updated, checkout_deleted',
        },
      ],
    });

    const missing = await post({ type: 'account_registered', contact: { first_name: 'Ada' } });
    expect(((await missing.json()) as { problems: unknown[] }).problems).toEqual([
      { path: 'contact.email', message: 'is required' },
    ]);

    const total = await post(
      purchase('o-2', { order: { id: 'o-2', total: '12.50', placed_at: '2026-11-24T09:30:00Z' } }),
    );
    expect(((await total.json()) as { problems: unknown[] }).problems).toEqual([
      { path: 'order.total', message: 'must be a number ≥ 0' },
    ]);
    expect(await inbox()).toHaveLength(0);
    expect(ep.kicks).toBe(0);
  });

  it('stores a good event in inbox_events and answers 202 with its id', async () => {
    const res = await post(
      registration('Ada@Example.com', {
        event_id: 'reg-1',
        registered_at: '2026-11-23T10:00:00+01:00',
      }),
    );
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      accepted: boolean;
      id: number;
      type: string;
      duplicate: boolean;
    };
    expect(body).toEqual({
      accepted: true,
      id: expect.any(Number),
      type: 'account_registered',
      duplicate: false,
    });

    const [row, ...others] = await inbox();
    expect(others).toHaveLength(0);
    expect(row).toMatchObject({
      id: body.id,
      source: 'api',
      dedupe_key: 'event:reg-1',
      type: 'account_registered',
      processed_at: null,
      attempts: 0,
      last_error: null,
      payload: registration('Ada@Example.com', {
        event_id: 'reg-1',
        registered_at: '2026-11-23T10:00:00+01:00',
      }),
    });
    expect(ep.kicks).toBe(1);
  });

  it('stores a repeated event_id once and answers the repeat 202 with duplicate: true', async () => {
    const first = (await (await post(purchase('o-10', { event_id: 'evt-10' }))).json()) as {
      id: number;
    };
    const again = await post(purchase('o-10', { event_id: 'evt-10' }));
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({
      accepted: true,
      id: first.id,
      type: 'purchase',
      duplicate: true,
    });
    expect(await inbox()).toHaveLength(1);
    expect(ep.kicks).toBe(1);
  });

  it('recognises a repeat without event_id by its content, whatever the order of its keys', async () => {
    const event = purchase('o-11');
    const first = (await (await post(event)).json()) as { id: number };
    const reordered = {
      order: { placed_at: event.order.placed_at, currency: 'EUR', total: 42.5, id: 'o-11' },
      contact: event.contact,
      type: 'purchase',
    };
    expect(await (await post(reordered)).json()).toMatchObject({ id: first.id, duplicate: true });
    // Another order is another event.
    expect(await (await post(purchase('o-12'))).json()).toMatchObject({ duplicate: false });
    const rows = await inbox();
    expect(rows).toHaveLength(2);
    expect(rows[0]!.dedupe_key).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('accepts a batch all or nothing', async () => {
    const bad = await post({
      events: [
        registration('b1@example.com'),
        purchase('o-20', { order: { id: 'o-20', total: 1, placed_at: 'soon' } }),
      ],
    });
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { problems: { path: string }[] }).problems.map((p) => p.path),
    ).toEqual(['events[1].order.placed_at']);
    expect(await inbox()).toHaveLength(0);

    const good = await post({
      events: [
        registration('b1@example.com', { event_id: 'b-1' }),
        purchase('o-20', { event_id: 'b-2' }),
        registration('b1@example.com', { event_id: 'b-1' }),
      ],
    });
    expect(good.status).toBe(202);
    const body = (await good.json()) as {
      accepted: boolean;
      events: { id: number; type: string; duplicate: boolean }[];
    };
    expect(body.accepted).toBe(true);
    expect(body.events.map((e) => [e.type, e.duplicate])).toEqual([
      ['account_registered', false],
      ['purchase', false],
      ['account_registered', true],
    ]);
    expect(body.events[2]!.id).toBe(body.events[0]!.id);
    expect(await inbox()).toHaveLength(2);

    expect((await post({ events: [] })).status).toBe(400);
  });

  it('keeps its other routes: 405 with Allow for a wrong method', async () => {
    const res = await fetch(`${ep.server.base}/events`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
