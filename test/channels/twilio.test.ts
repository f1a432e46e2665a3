import { describe, expect, it } from 'vitest';
import { PROVIDER_FAILURE } from '../../src/channels/provider-errors.js';
import { createTwilioSmsProvider } from '../../src/channels/twilio.js';
import { closedServerUrl, useFakeHttpServer } from './fake-http.js';
import { failureOf } from './provider-failure.js';

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'auth-token';

describe('Twilio SMS provider, against a local fake Twilio', () => {
  const twilio = useFakeHttpServer();

  const provider = (from = '+34600000000') =>
    createTwilioSmsProvider({ accountSid: SID, authToken: TOKEN, from, baseUrl: twilio.url });
  const sms = {
    to: '+34611222333',
    body: 'Your voucher SAVE-10 expires soon & more: https://shop.example/?a=1',
  };

  it('posts the message form-encoded with basic auth and the idempotency token, and returns the SID', async () => {
    twilio.respond({
      status: 201,
      body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' },
    });
    const result = await provider().send(sms, { idempotencyKey: 'welcome/7/send_reminder_sms' });
    expect(result).toEqual({ providerMessageId: 'SM0123456789abcdef0123456789abcdef' });

    expect(twilio.requests).toHaveLength(1);
    const [req] = twilio.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req!.headers['authorization']).toBe(
      `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
    );
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers['i-twilio-idempotency-token']).toBe('welcome/7/send_reminder_sms');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      To: sms.to,
      From: '+34600000000',
      Body: sms.body,
    });
  });

  it('sends through a messaging service when the sender is one', async () => {
    twilio.respond({ status: 201, body: { sid: 'SM1' } });
    await provider('MG0123456789abcdef0123456789abcdef').send(sms, { idempotencyKey: 'k' });
    const form = new URLSearchParams(twilio.requests[0]!.body);
    expect(form.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
    expect(form.has('From')).toBe(false);
  });

  it('429 is retryable, after Retry-After', async () => {
    twilio.respond({
      status: 429,
      body: { code: 20429, message: 'Too Many Requests', status: 429 },
      headers: { 'Retry-After': '7' },
    });
    const error = await failureOf(provider().send(sms, { idempotencyKey: 'k' }));
    expect(error).toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.rateLimited,
      nextRetryDelay: 7000,
    });
    expect(error.message).toBe('Twilio rate limit (429): Too Many Requests (error 20429)');
  });

  it('5xx is retryable', async () => {
    twilio.respond(
      { status: 500, body: 'upstream exploded' },
      { status: 503, body: { message: 'Service Unavailable' } },
    );
    await expect(provider().send(sms, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
      message: 'Twilio is unavailable (500): upstream exploded',
    });
    await expect(provider().send(sms, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
    });
  });

  it('400 is not retryable, and says why', async () => {
    twilio.respond({
      status: 400,
      body: {
        code: 21211,
        message: "The 'To' number +34611222333 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
    });
    const error = await failureOf(provider().send(sms, { idempotencyKey: 'k' }));
    expect(error).toMatchObject({ nonRetryable: true, type: PROVIDER_FAILURE.rejected });
    expect(error.message).toBe(
      "Twilio rejected the message: The 'To' number +34611222333 is not a valid phone number. (error 21211, https://www.twilio.com/docs/errors/21211)",
    );
  });

  it('an unreachable Twilio is retryable', async () => {
    const url = await closedServerUrl();
    const unreachable = createTwilioSmsProvider({
      accountSid: SID,
      authToken: TOKEN,
      from: '+34600000000',
      baseUrl: url,
    });
    await expect(unreachable.send(sms, { idempotencyKey: 'k' })).rejects.toMatchObject({
      nonRetryable: false,
      type: PROVIDER_FAILURE.unavailable,
      message: expect.stringMatching(/^Twilio could not be reached/),
    });
  });
});
