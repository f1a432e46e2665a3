/**
 * `POST /webhooks/resend` and `POST /webhooks/twilio`: what the providers say after accepting a
 * message (deliveries, opens, clicks, bounces, complaints, STOP replies). Each is verified (Resend:
 * the Svix signature with RESEND_WEBHOOK_SECRET; Twilio: X-Twilio-Signature with
 * TWILIO_AUTH_TOKEN over BOOMERANG_PUBLIC_URL + path), translated into one feedback event and
 * stored in the inbox once per provider event (src/inbox/provider-feedback.ts); the inbox processor
 * applies it. A bad signature is 401 and stores nothing; a body that is not what the provider
 * sends is 400 naming the field; what Boomerang does not use is answered 200 and not stored, so
 * the provider does not retry it.
 */
import type http from 'node:http';
import {
  svixSecretProblem,
  verifySvixSignature,
  verifyTwilioSignature,
} from '../domain/messages/webhook-signatures.js';
import {
  acceptFeedback,
  type FeedbackMapping,
  mapResendWebhook,
  mapTwilioWebhook,
} from '../inbox/provider-feedback.js';
import { HttpError, readBody, sendJson } from './respond.js';
import type { Handler, HttpDeps } from './types.js';

/** Feedback payloads are small; a click event with a long link is the largest. */
export const FEEDBACK_BODY_LIMIT_BYTES = 256 * 1024;

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
};

// 503, not 401: the provider did nothing wrong, and it retries until we are configured.
const notConfigured = (variable: string, provider: string, why = 'is not set on the server') =>
  new HttpError(
    503,
    `${variable} ${why}: ${provider} webhooks cannot be verified, so none is accepted`,
    {},
    { connection: 'close' },
  );

/** Stores what the mapping found, or says why nothing was stored. */
async function store(
  deps: HttpDeps,
  provider: string,
  mapping: FeedbackMapping,
  answer: (body: Record<string, unknown>) => void,
): Promise<void> {
  if (!mapping.ok) {
    if ('problem' in mapping)
      throw new HttpError(400, `${mapping.problem.path}: ${mapping.problem.message}`, {
        problems: [mapping.problem],
      });
    console.warn(`http: ${provider} webhook ignored: ${mapping.ignored}`);
    return answer({ ignored: true, reason: mapping.ignored });
  }
  const stored = await acceptFeedback(deps.db, mapping.feedback);
  if (!stored.duplicate) deps.onEventsAccepted?.();
  answer({
    accepted: true,
    id: stored.id,
    type: `${mapping.feedback.channel}_${mapping.feedback.kind}`,
    duplicate: stored.duplicate,
  });
}

export function resendWebhookHandler(deps: HttpDeps): Handler {
  return async (req, res) => {
    const secret = deps.config?.providerFeedback?.resendWebhookSecret;
    if (!secret) throw notConfigured('RESEND_WEBHOOK_SECRET', 'Resend');
    const secretProblem = svixSecretProblem(secret);
    if (secretProblem) throw notConfigured('RESEND_WEBHOOK_SECRET', 'Resend', secretProblem);
    const raw = await readBody(req, FEEDBACK_BODY_LIMIT_BYTES);
    const id = header(req, 'svix-id');
    const check = verifySvixSignature(
      secret,
      {
        id,
        timestamp: header(req, 'svix-timestamp'),
        signature: header(req, 'svix-signature'),
      },
      raw,
    );
    if (!check.ok) throw new HttpError(401, check.reason);
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
    }
    await store(deps, 'Resend', mapResendWebhook(payload, id!, new Date()), (body) =>
      sendJson(res, 200, body),
    );
  };
}

export function twilioWebhookHandler(deps: HttpDeps): Handler {
  return async (req, res, url) => {
    const token = deps.config?.providerFeedback?.twilioAuthToken;
    if (!token) throw notConfigured('TWILIO_AUTH_TOKEN', 'Twilio');
    const raw = await readBody(req, FEEDBACK_BODY_LIMIT_BYTES);
    const contentType = header(req, 'content-type') ?? '';
    if (!contentType.startsWith('application/x-www-form-urlencoded'))
      throw new HttpError(
        400,
        `content-type must be application/x-www-form-urlencoded, as Twilio posts (got ${contentType || 'none'})`,
      );
    const params = new URLSearchParams(raw.toString('utf8'));
    // Twilio signs the URL it called: the public one, behind whatever proxy is in front of us.
    const base = deps.config?.publicUrl ?? `http://${header(req, 'host') ?? 'localhost'}`;
    const check = verifyTwilioSignature(
      token,
      `${base}${url.pathname}${url.search}`,
      [...params.entries()],
      header(req, 'x-twilio-signature'),
    );
    if (!check.ok) throw new HttpError(401, check.reason);
    await store(deps, 'Twilio', mapTwilioWebhook(params, new Date()), () => {
      // An empty TwiML answer: Twilio replies nothing more (its own STOP reply is sent anyway).
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    });
  };
}
