/**
 * `POST /webhooks/shopify`: orders/create, orders/paid, refunds/create, customers/create and
 * checkouts/create, checkouts/update and checkouts/delete,
 * verified with the app secret (X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256 of the raw body),
 * de-duplicated by X-Shopify-Webhook-Id, translated into Boomerang's events (src/inbox/shopify.ts)
 * and stored in the inbox. Shopify retries any answer but 2xx for two days and then drops the
 * subscription, so what Boomerang does not use (other topics, orders without a customer) is
 * answered 200 and logged, not refused. Text Postgres cannot store (NUL, lone surrogates, control
 * characters) is cleaned out of the payload rather than refused, for the same reason.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { receiptClockNow } from '../domain/store-clock.js';
import { isShopifyTopic, mapShopifyWebhook, parseShopifyJson } from '../inbox/shopify.js';
import { acceptEvents } from '../inbox/store.js';
import { cleanJson } from '../inbox/text.js';
import { HttpError, readBody, sendJson } from './respond.js';
import type { Handler, HttpDeps } from './types.js';

/** Orders with many lines make big payloads. */
export const SHOPIFY_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
};

/** True when `signature` is the base64 HMAC-SHA256 of `body` under `secret` (constant-time). */
export function verifyShopifyHmac(
  secret: string,
  body: Buffer,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function shopifyWebhookHandler(deps: HttpDeps): Handler {
  return async (req, res) => {
    const secret = deps.config?.shopifyWebhookSecret;
    // 503, not 401: the shop did nothing wrong, and Shopify keeps retrying until we are configured.
    if (!secret)
      throw new HttpError(
        503,
        'SHOPIFY_WEBHOOK_SECRET is not set on the server: Shopify webhooks cannot be verified, so none is accepted',
        {},
        { connection: 'close' },
      );
    const raw = await readBody(req, SHOPIFY_BODY_LIMIT_BYTES);
    if (!verifyShopifyHmac(secret, raw, header(req, 'x-shopify-hmac-sha256'))) {
      throw new HttpError(
        401,
        header(req, 'x-shopify-hmac-sha256')
          ? "X-Shopify-Hmac-Sha256 does not match the body (is SHOPIFY_WEBHOOK_SECRET the app's secret?)"
          : 'missing X-Shopify-Hmac-Sha256 header',
      );
    }
    const topic = header(req, 'x-shopify-topic');
    if (!topic) throw new HttpError(400, 'missing X-Shopify-Topic header');
    const webhookId = header(req, 'x-shopify-webhook-id');
    const ignore = (reason: string) => {
      console.warn(
        `http: Shopify webhook ${topic}${webhookId ? ` ${webhookId}` : ''} ignored: ${reason}`,
      );
      sendJson(res, 200, { ignored: true, reason });
    };
    if (!isShopifyTopic(topic)) return ignore(`topic ${topic} is not one Boomerang uses`);
    let payload: unknown;
    try {
      // Cleaned, not refused: Shopify would retry a 400 and then drop the subscription.
      payload = cleanJson(parseShopifyJson(raw.toString('utf8')));
    } catch (err) {
      throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
    }
    const clockToleranceSeconds = deps.config?.eventClockToleranceSeconds;
    const mapping = mapShopifyWebhook(topic, payload, receiptClockNow(clockToleranceSeconds));
    if (!mapping.ok) return ignore(mapping.ignored);
    for (const p of mapping.dropped)
      console.warn(
        `http: Shopify webhook ${topic}${webhookId ? ` ${webhookId}` : ''}: left out ${p.path} (${p.message})`,
      );
    const result = await acceptEvents(deps.db, 'shopify', mapping.event, {
      clockToleranceSeconds,
      ...(webhookId ? { dedupeKey: `webhook:${webhookId}` } : {}),
    });
    if (!result.ok) return ignore(result.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    const [stored] = result.events;
    if (!stored!.duplicate) deps.onEventsAccepted?.();
    sendJson(res, 200, {
      accepted: true,
      id: stored!.id,
      type: stored!.type,
      duplicate: stored!.duplicate,
    });
  };
}
