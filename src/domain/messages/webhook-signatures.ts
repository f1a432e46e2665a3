/**
 * The signatures of the providers' webhooks.
 *
 * Resend signs with Svix: the signed content is `${svix-id}.${svix-timestamp}.${raw body}`, the key
 * the base64 bytes after the secret's `whsec_` prefix, the signature base64 HMAC-SHA256, sent as
 * `v1,<signature>` (several, space-separated, while a secret is being rotated). A timestamp more
 * than 5 minutes away from now is refused, so a captured request cannot be replayed later.
 *
 * Twilio signs with the account's auth token: base64 HMAC-SHA1 over the full URL Twilio requested
 * (query string included) followed by every POST parameter, sorted by name, as name + value.
 *
 * Every comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a Svix timestamp may be from now, either way (Svix's own libraries use 5 minutes). */
export const SVIX_TOLERANCE_SECONDS = 5 * 60;

export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Svix's keys are 24 bytes; fewer than 16 could be guessed. */
export const MIN_SVIX_KEY_BYTES = 16;

function svixKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret,
    'base64',
  );
}

/**
 * Why `secret` cannot verify anything, or undefined. Base64 decoding skips what is not base64, so
 * `whsec_` alone or a mistyped secret is an empty key, which anyone can sign with.
 */
export function svixSecretProblem(secret: string): string | undefined {
  const bytes = svixKey(secret).length;
  return bytes < MIN_SVIX_KEY_BYTES
    ? `decodes to ${bytes} key bytes (at least ${MIN_SVIX_KEY_BYTES}: whsec_ then the base64 key)`
    : undefined;
}

/** The `v1,<base64>` signature Svix sends for this message (what the simulator posts). */
export function svixSignature(
  secret: string,
  id: string,
  timestamp: number | string,
  body: string | Buffer,
): string {
  const mac = createHmac('sha256', svixKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/** Whether the Svix headers sign `body` under `secret`, at `now`. */
export function verifySvixSignature(
  secret: string,
  headers: SvixHeaders,
  body: Buffer,
  now: Date = new Date(),
): SignatureCheck {
  const secretProblem = svixSecretProblem(secret);
  if (secretProblem) return { ok: false, reason: `the signing secret ${secretProblem}` };
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature)
    return {
      ok: false,
      reason: `missing ${[!id && 'svix-id', !timestamp && 'svix-timestamp', !signature && 'svix-signature'].filter(Boolean).join(', ')} header`,
    };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'svix-timestamp is not a number of seconds' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SVIX_TOLERANCE_SECONDS)
    return { ok: false, reason: 'svix-timestamp is more than 5 minutes away from now' };
  const expected = Buffer.from(svixSignature(secret, id, timestamp, body).slice(3), 'base64');
  for (const candidate of signature.split(' ')) {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) continue;
    const given = Buffer.from(mac, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return {
    ok: false,
    reason:
      'svix-signature does not match the body (is RESEND_WEBHOOK_SECRET the signing secret of this webhook?)',
  };
}

/** Twilio's X-Twilio-Signature for a request to `url` with these POST parameters. */
export function twilioSignature(
  authToken: string,
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
): string {
  const sorted = [...params].sort(([a, av], [b, bv]) =>
    a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  );
  const mac = createHmac('sha1', authToken).update(url);
  for (const [name, value] of sorted) mac.update(name + value);
  return mac.digest('base64');
}

/** Whether `signature` is Twilio's signature of this request. */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: ReadonlyArray<readonly [string, string]>,
  signature: string | undefined,
): SignatureCheck {
  if (!signature) return { ok: false, reason: 'missing X-Twilio-Signature header' };
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'base64');
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : {
        ok: false,
        reason: `X-Twilio-Signature does not match ${url} and its parameters (is TWILIO_AUTH_TOKEN the account's auth token, and BOOMERANG_PUBLIC_URL the URL Twilio calls?)`,
      };
}
