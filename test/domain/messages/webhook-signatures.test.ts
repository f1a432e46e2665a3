/**
 * The providers' webhook signatures against the example vectors of their own documentation, and
 * against signatures computed here independently with node:crypto.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  svixSignature,
  twilioSignature,
  verifySvixSignature,
  verifyTwilioSignature,
} from '../../../src/domain/messages/webhook-signatures.js';

describe('Svix signatures (Resend)', () => {
  // The example of Svix's "verifying webhooks" documentation.
  const DOC = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: '1614265330',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    body: Buffer.from('{"test": 2432232314}'),
  };
  const at = (seconds: number) => new Date(seconds * 1000);

  it("accepts Svix's documented example, and the same signature among others (a rotated secret)", () => {
    const headers = { id: DOC.id, timestamp: DOC.timestamp, signature: DOC.signature };
    expect(verifySvixSignature(DOC.secret, headers, DOC.body, at(1614265330))).toEqual({
      ok: true,
    });
    const rotated = { ...headers, signature: `v1,AAAA v1a,xyz ${DOC.signature}` };
    expect(verifySvixSignature(DOC.secret, rotated, DOC.body, at(1614265330)).ok).toBe(true);
  });

  it('signs as an independent HMAC-SHA256 over id.timestamp.body with the base64 secret', () => {
    const secret = `whsec_${Buffer.from('another secret key').toString('base64')}`;
    const expected = createHmac('sha256', Buffer.from('another secret key'))
      .update('msg_1.1700000000.{"type":"email.bounced"}')
      .digest('base64');
    expect(svixSignature(secret, 'msg_1', 1700000000, '{"type":"email.bounced"}')).toBe(
      `v1,${expected}`,
    );
  });

  it('never verifies under a secret with no key, or one too short to be secret', () => {
    const now = at(1614265330);
    for (const [secret, key] of [
      ['whsec_', Buffer.alloc(0)],
      ['', Buffer.alloc(0)],
      ['whsec_AAAA', Buffer.alloc(3)],
    ] as const) {
      const mac = createHmac('sha256', key).update(`${DOC.id}.${DOC.timestamp}.`).update(DOC.body);
      const headers = {
        id: DOC.id,
        timestamp: DOC.timestamp,
        signature: `v1,${mac.digest('base64')}`,
      };
      expect(verifySvixSignature(secret, headers, DOC.body, now), secret).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/key bytes/),
      });
    }
  });

  it('refuses a changed body, another secret, a missing header and a timestamp over 5 minutes away', () => {
    const headers = { id: DOC.id, timestamp: DOC.timestamp, signature: DOC.signature };
    const now = at(1614265330);
    expect(verifySvixSignature(DOC.secret, headers, Buffer.from('{"test": 1}'), now).ok).toBe(
      false,
    );
    expect(
      verifySvixSignature('whsec_' + Buffer.from('x').toString('base64'), headers, DOC.body, now)
        .ok,
    ).toBe(false);
    expect(verifySvixSignature(DOC.secret, { ...headers, id: 'msg_other' }, DOC.body, now).ok).toBe(
      false,
    );
    expect(
      verifySvixSignature(DOC.secret, { ...headers, signature: undefined }, DOC.body, now),
    ).toEqual({ ok: false, reason: 'missing svix-signature header' });
    expect(verifySvixSignature(DOC.secret, headers, DOC.body, at(1614265330 + 299)).ok).toBe(true);
    expect(verifySvixSignature(DOC.secret, headers, DOC.body, at(1614265330 + 301)).ok).toBe(false);
    expect(verifySvixSignature(DOC.secret, headers, DOC.body, at(1614265330 - 301)).ok).toBe(false);
  });
});

describe('Twilio signatures', () => {
  // The example of Twilio's "webhooks security" documentation.
  const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const PARAMS: [string, string][] = [
    ['Digits', '1234'],
    ['To', '+18005551212'],
    ['From', '+12349013030'],
    ['Caller', '+12349013030'],
    ['CallSid', 'CA1234567890ABCDE'],
  ];

  it("gives Twilio's documented signature, whatever the order the parameters came in", () => {
    expect(twilioSignature('12345', URL, PARAMS)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(
      verifyTwilioSignature('12345', URL, [...PARAMS].reverse(), '0/KCTR6DLpKmkAf8muzZqo1nDgQ='),
    ).toEqual({ ok: true });
  });

  it('is an independent HMAC-SHA1 over the URL and the sorted name+value pairs', () => {
    const params: [string, string][] = [
      ['MessageStatus', 'delivered'],
      ['MessageSid', 'SM0123'],
      ['To', '+34611222333'],
    ];
    const expected = createHmac('sha1', 'token')
      .update(
        'https://boomerang.example/webhooks/twilio' +
          'MessageSidSM0123MessageStatusdelivered' +
          'To+34611222333',
      )
      .digest('base64');
    expect(twilioSignature('token', 'https://boomerang.example/webhooks/twilio', params)).toBe(
      expected,
    );
  });

  it('refuses another URL, a changed parameter, another token and a missing signature', () => {
    const good = twilioSignature('12345', URL, PARAMS);
    expect(verifyTwilioSignature('12345', 'https://mycompany.com/myapp.php', PARAMS, good).ok).toBe(
      false,
    );
    expect(
      verifyTwilioSignature('12345', URL, [...PARAMS.slice(1), ['Digits', '9999']], good).ok,
    ).toBe(false);
    expect(verifyTwilioSignature('54321', URL, PARAMS, good).ok).toBe(false);
    expect(verifyTwilioSignature('12345', URL, PARAMS, undefined)).toEqual({
      ok: false,
      reason: 'missing X-Twilio-Signature header',
    });
  });
});
