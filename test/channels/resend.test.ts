import { describe, expect, it } from 'vitest';
import { PROVIDER_FAILURE } from '../../src/channels/provider-errors.js';
import { createResendEmailProvider } from '../../src/channels/resend.js';
import type { EmailMessage } from '../../src/channels/types.js';
import { closedServerUrl, useFakeHttpServer } from './fake-http.js';
import { failureOf } from './provider-failure.js';

const email: EmailMessage = {
  from: 'Boomerang Shop <shop@example.com>',
  to: 'ada@example.com',
  subject: 'A coupon just for you: SAVE-10',
  html: '<p>Use <b>SAVE-10</b></p><a href="https://boomerang.example/unsubscribe?token=t.s">Unsubscribe</a>',
  text: 'Use SAVE-10\n\nUnsubscribe (https://boomerang.example/unsubscribe?token=t.s)',
  headers: {
    'List-Unsubscribe': '<https://boomerang.example/unsubscribe?token=t.s>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

describe("Resend email provider, against a local fake Resend (the client's baseUrl)", () => {
  const resend = useFakeHttpServer();

  const provider = () => createResendEmailProvider({ apiKey: 're_test_123', baseUrl: resend.url });

  it('posts html, text and the RFC 8058 headers with the idempotency key, and returns the id', async () => {
    resend.respond({ status: 200, body: { id: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c' } });
    const result = await provider().send(email, { idempotencyKey: 'low-clv/7/send_offer' });
    expect(result).toEqual({ providerMessageId: '4ef9a417-02e9-4d39-ad75-9611e0fcc33c' });

    expect(resend.requests).toHaveLength(1);
    const [req] = resend.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/emails');
    expect(req!.headers['authorization']).toBe('Bearer re_test_123');
    expect(req!.headers['idempotency-key']).toBe('low-clv/7/send_offer');
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      from: email.from,
      to: email.to,
      subject: email.subject,
      html: email.html,
      text: email.text,
    });
    expect(body.headers).toEqual({
      'List-Unsubscribe': '<https://boomerang.example/unsubscribe?token=t.s>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('429 is retryable, after Retry-After', async () => {
    resend.respond({
      status: 429,
      body: {
        statusCode: 429,
        name: 'rate_limit_exceeded',
        message: 'Too many requests. You can only make 2 requests per second.',
      },
      headers: { 'retry-after': '2' },
    });
    const error = await failureOf(provider().send(email, { idempotencyKey: 'k' }));
    expect(error).toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.rateLimited,
      nextRetryDelay: 2000,
    });
  });

  it('5xx is retryable, with or without a JSON body', async () => {
    resend.respond(
      {
        status: 500,
        body: {
          statusCode: 500,
          name: 'internal_server_error',
          message: 'An unexpected error occurred.',
        },
      },
      { status: 502, body: '<html>Bad gateway</html>' },
    );
    await expect(provider().send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
    });
    await expect(provider().send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
    });
  });

  it('400 and 422 are not retryable, and say why', async () => {
    resend.respond({
      status: 422,
      body: { statusCode: 422, name: 'invalid_from_address', message: 'Invalid `from` field.' },
    });
    const error = await failureOf(provider().send(email, { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ nonRetryable: true, type: PROVIDER_FAILURE.rejected });
    expect(error.message).toBe(
      'Resend rejected the message: invalid from address: Invalid `from` field.',
    );

    resend.respond({
      status: 400,
      body: { statusCode: 400, name: 'validation_error', message: 'The `to` field is invalid.' },
    });
    await expect(provider().send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: true,
      message: 'Resend rejected the message: validation error: The `to` field is invalid.',
    });
  });

  it('a concurrent request with the same idempotency key is retried; a reused key with another body is not', async () => {
    resend.respond(
      {
        status: 409,
        body: {
          statusCode: 409,
          name: 'concurrent_idempotent_requests',
          message: 'Same idempotency key used while original request is still in progress.',
        },
      },
      {
        status: 409,
        body: {
          statusCode: 409,
          name: 'invalid_idempotent_request',
          message: 'Same idempotency key used with a different request payload.',
        },
      },
    );
    await expect(provider().send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
    });
    await expect(provider().send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: true,
    });
  });

  it('an unreachable Resend is retryable', async () => {
    const url = await closedServerUrl();
    const unreachable = createResendEmailProvider({ apiKey: 're_test_123', baseUrl: url });
    await expect(unreachable.send(email, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
    });
  });

  it('sends a batch with its key and permissive validation, and maps ids and per-email errors back in order', async () => {
    resend.respond({
      status: 200,
      body: {
        data: [{ id: 'id-a' }, { id: 'id-c' }],
        errors: [{ index: 1, message: 'Invalid `to` field.' }],
      },
    });
    const results = await provider().sendBatch!(
      [email, { ...email, to: 'bad@nowhere' }, { ...email, to: 'c@example.com' }],
      { idempotencyKey: 'boomerang-batch-1' },
    );
    expect(results).toEqual([
      { ok: true, providerMessageId: 'id-a' },
      { ok: false, reason: 'Resend rejected the message: Invalid `to` field.' },
      { ok: true, providerMessageId: 'id-c' },
    ]);
    const [req] = resend.requests;
    expect(req!.path).toBe('/emails/batch');
    expect(req!.headers['idempotency-key']).toBe('boomerang-batch-1');
    expect(req!.headers['x-batch-validation']).toBe('permissive');
    expect((JSON.parse(req!.body) as unknown[]).length).toBe(3);
  });

  it("waits out a batch's 429 for ratelimit-reset when Resend gives no retry-after", async () => {
    resend.respond({
      status: 429,
      body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' },
      headers: { 'ratelimit-reset': '3' },
    });
    const failure = await failureOf(
      provider().sendBatch!([email], { idempotencyKey: 'boomerang-batch-2' }),
    );
    expect(failure.type).toBe(PROVIDER_FAILURE.rateLimited);
    expect(failure.nextRetryDelay).toBe(3000);
  });
});
