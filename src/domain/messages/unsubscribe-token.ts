/**
 * Signed, URL-safe unsubscribe tokens, for `GET /unsubscribe?token=` and the RFC 8058 one-click
 * `POST` to the same URL.
 *
 * A token is `<payload>.<signature>`, both base64url without padding:
 *   payload   = "v1:<purpose>:<contact id>:<issued at, unix seconds>:<expires at, unix seconds or empty>"
 *   signature = HMAC-SHA256(secret, payload)
 * The purpose is signed with the rest, so a token made for one purpose is refused for another.
 * Tokens carry no secret data (the contact id is visible to whoever holds the link) and nothing
 * needs storing: the signature is the proof. Verification compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const UNSUBSCRIBE_PURPOSE = 'unsubscribe';

export type TokenFailureReason = 'malformed' | 'bad_signature' | 'expired';

export type VerifiedToken =
  | { ok: true; contactId: number; purpose: string; issuedAt: Date; expiresAt: Date | undefined }
  | { ok: false; reason: TokenFailureReason };

export interface CreateTokenOptions {
  /** Default `unsubscribe`. */
  purpose?: string;
  /** Default the current time. */
  now?: Date;
  /** The token stops verifying this many seconds after it was issued. Default: never expires. */
  expiresInSeconds?: number;
}

export interface VerifyTokenOptions {
  /** The purpose the token must have been made for. Default `unsubscribe`. */
  purpose?: string;
  /** Default the current time. */
  now?: Date;
  /** Also refuse tokens issued longer ago than this, whatever they say about their expiry. */
  maxAgeSeconds?: number;
}

const VERSION = 'v1';

function assertSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new Error(
      'an unsubscribe token needs a non-empty signing secret (BOOMERANG_SIGNING_SECRET)',
    );
}

function sign(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload, 'utf8').digest();
}

/** A token that identifies `contactId` for `purpose`, signed with `secret`. */
export function createUnsubscribeToken(
  secret: string,
  contactId: number,
  options: CreateTokenOptions = {},
): string {
  assertSecret(secret);
  if (!Number.isSafeInteger(contactId) || contactId <= 0)
    throw new Error(`a contact id must be a positive integer (got ${contactId})`);
  const purpose = options.purpose ?? UNSUBSCRIBE_PURPOSE;
  if (!/^[a-z][a-z0-9_-]*$/.test(purpose))
    throw new Error(
      `a token purpose must be lowercase letters, digits, - or _ (got ${JSON.stringify(purpose)})`,
    );
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  let expiresAt = '';
  if (options.expiresInSeconds !== undefined) {
    if (!(options.expiresInSeconds > 0)) throw new Error('expiresInSeconds must be positive');
    expiresAt = String(issuedAt + Math.floor(options.expiresInSeconds));
  }
  const payload = `${VERSION}:${purpose}:${contactId}:${issuedAt}:${expiresAt}`;
  return `${Buffer.from(payload, 'utf8').toString('base64url')}.${sign(secret, payload).toString('base64url')}`;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The contact a token was made for, or why it is refused: `malformed` (not a token of ours),
 * `bad_signature` (altered, or signed with another secret, or made for another purpose), `expired`.
 */
export function verifyUnsubscribeToken(
  secret: string,
  token: string,
  options: VerifyTokenOptions = {},
): VerifiedToken {
  assertSecret(secret);
  if (typeof token !== 'string' || token.length > 512) return { ok: false, reason: 'malformed' };
  const parts = token.trim().split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [encodedPayload, encodedSignature] = parts as [string, string];
  if (!BASE64URL.test(encodedPayload) || !BASE64URL.test(encodedSignature))
    return { ok: false, reason: 'malformed' };

  const payload = Buffer.from(encodedPayload, 'base64url').toString('utf8');
  const match = /^v1:([a-z][a-z0-9_-]*):([1-9][0-9]{0,15}):([0-9]{1,12}):([0-9]{0,12})$/.exec(
    payload,
  );
  if (!match) return { ok: false, reason: 'malformed' };
  const signature = Buffer.from(encodedSignature, 'base64url');
  // Only the canonical encodings: base64url leaves a few spare bits that decoding ignores.
  if (signature.length !== 32 || signature.toString('base64url') !== encodedSignature)
    return { ok: false, reason: 'malformed' };
  if (Buffer.from(payload, 'utf8').toString('base64url') !== encodedPayload)
    return { ok: false, reason: 'malformed' };

  // Recompute over the exact bytes received; the purpose check is part of the signature check.
  const expected = sign(secret, payload);
  const purpose = match[1]!;
  if (
    !timingSafeEqual(signature, expected) ||
    purpose !== (options.purpose ?? UNSUBSCRIBE_PURPOSE)
  ) {
    return { ok: false, reason: 'bad_signature' };
  }

  const contactId = Number(match[2]);
  if (!Number.isSafeInteger(contactId)) return { ok: false, reason: 'malformed' };
  const issuedAtSeconds = Number(match[3]);
  const expiresAtSeconds = match[4] === '' ? undefined : Number(match[4]);
  const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
  if (expiresAtSeconds !== undefined && nowSeconds >= expiresAtSeconds)
    return { ok: false, reason: 'expired' };
  if (options.maxAgeSeconds !== undefined && nowSeconds - issuedAtSeconds > options.maxAgeSeconds)
    return { ok: false, reason: 'expired' };
  return {
    ok: true,
    contactId,
    purpose,
    issuedAt: new Date(issuedAtSeconds * 1000),
    expiresAt: expiresAtSeconds === undefined ? undefined : new Date(expiresAtSeconds * 1000),
  };
}

/** `${publicUrl}/unsubscribe?token=…` — the link in emails and the List-Unsubscribe header. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/unsubscribe?token=${encodeURIComponent(token)}`;
}

/**
 * A token issued before the contact's current subscription began belongs to an earlier one: a
 * re-subscription voids the links of the emails sent before it. Compared in whole seconds, the
 * token's precision.
 */
export function isVoidedBySubscription(issuedAt: Date, subscribedAt: Date | null): boolean {
  return (
    subscribedAt !== null &&
    Math.floor(issuedAt.getTime() / 1000) < Math.floor(subscribedAt.getTime() / 1000)
  );
}
