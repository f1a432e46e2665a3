import { describe, expect, it } from 'vitest';
import {
  createUnsubscribeToken,
  unsubscribeUrl,
  verifyUnsubscribeToken,
} from '../../../src/domain/messages/unsubscribe-token.js';

const SECRET = 'test-signing-secret-0123456789';
const at = new Date('2026-11-23T10:00:00Z');

/** Changes one character in the middle of the given part of the token. */
function tamper(token: string, part: 0 | 1): string {
  const parts = token.split('.');
  const s = parts[part]!;
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return parts.join('.');
}

describe('unsubscribe tokens', () => {
  it('round-trips the contact id', () => {
    const token = createUnsubscribeToken(SECRET, 42, { now: at });
    expect(verifyUnsubscribeToken(SECRET, token, { now: at })).toEqual({
      ok: true,
      contactId: 42,
      purpose: 'unsubscribe',
      issuedAt: at,
      expiresAt: undefined,
    });
    // Large bigserial ids too.
    const big = createUnsubscribeToken(SECRET, 9_007_199_254_740_991);
    expect(verifyUnsubscribeToken(SECRET, big)).toMatchObject({
      ok: true,
      contactId: 9_007_199_254_740_991,
    });
  });

  it('is URL-safe and short', () => {
    const token = createUnsubscribeToken(SECRET, 123456, { now: at, expiresInSeconds: 3600 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(120);
    expect(unsubscribeUrl('https://shop.example/', token)).toBe(
      `https://shop.example/unsubscribe?token=${token}`,
    );
  });

  it('refuses a tampered payload or signature, or another secret', () => {
    const token = createUnsubscribeToken(SECRET, 42, { now: at });
    expect(verifyUnsubscribeToken(SECRET, tamper(token, 1))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyUnsubscribeToken('another-secret', token)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    // A payload for another contact, re-encoded properly, still carries the old signature.
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(`v1:unsubscribe:43:${at.getTime() / 1000}:`).toString('base64url')}.${signature}`;
    expect(verifyUnsubscribeToken(SECRET, forged)).toEqual({ ok: false, reason: 'bad_signature' });
    const mangled = tamper(token, 0);
    expect(verifyUnsubscribeToken(SECRET, mangled).ok).toBe(false);
  });

  it('refuses a token made for another purpose', () => {
    const token = createUnsubscribeToken(SECRET, 42, { purpose: 'preferences' });
    expect(verifyUnsubscribeToken(SECRET, token)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyUnsubscribeToken(SECRET, token, { purpose: 'preferences' })).toMatchObject({
      ok: true,
      contactId: 42,
    });
  });

  it('says malformed for anything that is not a token', () => {
    for (const bad of [
      '',
      'abc',
      'a.b.c',
      'no spaces.allowed',
      '!!!.???',
      `${Buffer.from('v1:unsubscribe:x:1:').toString('base64url')}.${'A'.repeat(43)}`,
      'x'.repeat(600),
    ]) {
      expect(verifyUnsubscribeToken(SECRET, bad), bad).toEqual({ ok: false, reason: 'malformed' });
    }
    // A signature of the wrong length.
    const token = createUnsubscribeToken(SECRET, 42);
    expect(verifyUnsubscribeToken(SECRET, `${token.split('.')[0]}.AAAA`)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('expires when asked to, and not before', () => {
    const token = createUnsubscribeToken(SECRET, 7, { now: at, expiresInSeconds: 30 * 24 * 3600 });
    const later = (days: number) => new Date(at.getTime() + days * 24 * 3600 * 1000);
    expect(verifyUnsubscribeToken(SECRET, token, { now: later(29) })).toMatchObject({
      ok: true,
      contactId: 7,
      expiresAt: later(30),
    });
    expect(verifyUnsubscribeToken(SECRET, token, { now: later(30) })).toEqual({
      ok: false,
      reason: 'expired',
    });
    // A verifier may impose a maximum age on tokens that never expire.
    const forever = createUnsubscribeToken(SECRET, 7, { now: at });
    expect(verifyUnsubscribeToken(SECRET, forever, { now: later(400) }).ok).toBe(true);
    expect(
      verifyUnsubscribeToken(SECRET, forever, { now: later(400), maxAgeSeconds: 365 * 24 * 3600 }),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('will not sign without a secret or for a bad contact id', () => {
    expect(() => createUnsubscribeToken('', 1)).toThrow(/BOOMERANG_SIGNING_SECRET/);
    expect(() => createUnsubscribeToken(SECRET, 0)).toThrow(/positive integer/);
    expect(() => createUnsubscribeToken(SECRET, 1.5)).toThrow(/positive integer/);
  });
});
