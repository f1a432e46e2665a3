/**
 * A local stand-in for the providers, for tests and benchmarks: a real HTTP server speaking
 * enough of Resend's API (`POST /emails`, `POST /emails/batch` with strict and permissive
 * validation, Idempotency-Key) and Twilio's Messages API to be reached through RESEND_BASE_URL and
 * TWILIO_BASE_URL with the real clients. It enforces a request rate as the providers do (429,
 * `retry-after`, `ratelimit-*` headers), records every message it accepted, and can be told to
 * fail: an error status, a request that never answers, a connection dropped after accepting.
 *
 * Control over HTTP too (for `npm run simulator`): GET /_simulator/stats, GET /_simulator/emails,
 * POST /_simulator/faults {"kind":"error","status":500,"times":1}, POST /_simulator/reset,
 * POST /_simulator/webhooks {"kind":"bounced","emailId":"…"} (the providers' signed webhooks to
 * Boomerang, webhooks.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  autoFeedbackKind,
  createWebhookPoster,
  type PostedWebhook,
  type SimulatedFeedback,
  type WebhookOptions,
} from './webhooks.js';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  /** Resend's request rate (per API key); 0 = unlimited. Default 2, Resend's default. */
  emailRequestsPerSecond?: number;
  /** Twilio's request rate; 0 = unlimited. Default 0. */
  smsRequestsPerSecond?: number;
  /** How long an idempotency key is remembered. Default 24 hours, as Resend. */
  idempotencyTtlMs?: number;
  /** Added to every answer, as a provider's processing time. Default 0. */
  latencyMs?: number;
  /** Where and how to post the providers' webhooks (bounces, deliveries, STOP replies). */
  webhooks?: WebhookOptions & {
    /** Auto mode: how long after accepting an email its webhook is posted. Default 500 ms. */
    delayMs?: number;
  };
}

export interface AcceptedEmail {
  id: string;
  from: string;
  to: string;
  subject: string;
  /** The request's Idempotency-Key, if any. */
  idempotencyKey: string | undefined;
  endpoint: '/emails' | '/emails/batch';
  /** When it was accepted (ms since epoch). */
  at: number;
}

export interface AcceptedSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  at: number;
}

export type Fault =
  /** Answer this status with a provider-shaped error body. */
  | { kind: 'error'; status: number }
  /** Read the request and never answer (the client times out). */
  | { kind: 'timeout' }
  /** Accept and record the messages, then close the connection without answering. */
  | { kind: 'drop-after-accept' }
  /** Accept and record the messages, then answer only after `ms`. */
  | { kind: 'hold-after-accept'; ms: number };

export interface SimulatorStats {
  requests: number;
  rateLimited: number;
  emailRequests: number;
  batchRequests: number;
  /** Requests answered from the idempotency store (a retry of an accepted request). */
  idempotentReplays: number;
  faults: number;
  smsRequests: number;
  /** Webhooks posted to Boomerang, and those it did not answer 2xx (or that failed to go). */
  webhooksPosted: number;
  webhookFailures: number;
}

export interface ProviderSimulator {
  url: string;
  emails: AcceptedEmail[];
  sms: AcceptedSms[];
  stats: SimulatorStats;
  /** The next `times` API requests meet this fault. */
  inject(fault: Fault, times?: number): void;
  /** Called when a request's messages are accepted (before the answer, faults or not). */
  onAccepted(listener: (emails: AcceptedEmail[]) => void): void;
  /** Posts a provider webhook to Boomerang, signed; resolves with its answer. */
  feedback(event: SimulatedFeedback): Promise<PostedWebhook>;
  /** Resolves once every webhook posted automatically so far has been answered. */
  webhooksSettled(): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const EMAIL = /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_BATCH = 100;

/** A token bucket of `rate` requests per second, holding at most one second's worth. */
function bucket(rate: number) {
  let tokens = rate;
  let at = Date.now();
  return {
    take(): { ok: boolean; remaining: number; resetSeconds: number } {
      if (rate <= 0) return { ok: true, remaining: 1_000_000, resetSeconds: 0 };
      const now = Date.now();
      tokens = Math.min(rate, tokens + ((now - at) / 1000) * rate);
      at = now;
      const ok = tokens >= 1;
      if (ok) tokens -= 1;
      const resetSeconds = Math.max(1, Math.ceil((1 - tokens) / rate));
      return { ok, remaining: Math.floor(tokens), resetSeconds };
    },
    limit: rate,
  };
}

interface Stored {
  bodyHash: string;
  expiresAt: number;
  /** undefined while the first request is still being answered. */
  answer: { status: number; body: unknown } | undefined;
}

function resendError(status: number, name: string, message: string) {
  return { status, body: { statusCode: status, name, message } };
}

interface EmailPayload {
  from?: unknown;
  to?: unknown;
  subject?: unknown;
  html?: unknown;
  text?: unknown;
}

/** Resend's message for an invalid email, or undefined when it would be accepted. */
function invalidEmail(email: EmailPayload): string | undefined {
  if (typeof email !== 'object' || email === null) return 'The email must be an object.';
  if (typeof email.from !== 'string' || !EMAIL.test(email.from))
    return 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
  const to = Array.isArray(email.to) ? email.to : [email.to];
  if (to.length === 0 || to.some((t) => typeof t !== 'string' || !EMAIL.test(t)))
    return 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
  if (typeof email.subject !== 'string') return 'Missing `subject` field.';
  if (typeof email.html !== 'string' && typeof email.text !== 'string')
    return 'Missing `html` or `text` field.';
  return undefined;
}

export async function startProviderSimulator(
  options: SimulatorOptions = {},
): Promise<ProviderSimulator> {
  const emailRate = bucket(options.emailRequestsPerSecond ?? 2);
  const smsRate = bucket(options.smsRequestsPerSecond ?? 0);
  const ttl = options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000;
  const latencyMs = options.latencyMs ?? 0;
  const emails: AcceptedEmail[] = [];
  const sms: AcceptedSms[] = [];
  const stats: SimulatorStats = {
    requests: 0,
    rateLimited: 0,
    emailRequests: 0,
    batchRequests: 0,
    idempotentReplays: 0,
    faults: 0,
    smsRequests: 0,
    webhooksPosted: 0,
    webhookFailures: 0,
  };
  const faults: Fault[] = [];
  const listeners: ((emails: AcceptedEmail[]) => void)[] = [];
  const resendKeys = new Map<string, Stored>();
  const twilioKeys = new Map<string, Stored>();

  const poster = options.webhooks
    ? createWebhookPoster(options.webhooks, {
        emailTo: (id) => emails.find((e) => e.id === id)?.to,
        smsTo: (sid) => sms.find((m) => m.sid === sid)?.to,
      })
    : undefined;
  const inFlight = new Set<Promise<unknown>>();

  async function feedback(event: SimulatedFeedback): Promise<PostedWebhook> {
    if (!poster) throw new Error('the simulator was started without webhooks (no Boomerang URL)');
    stats.webhooksPosted++;
    try {
      const answer = await poster.post(event);
      if (answer.status < 200 || answer.status >= 300) stats.webhookFailures++;
      return answer;
    } catch (err) {
      stats.webhookFailures++;
      throw err;
    }
  }

  function accept(batch: AcceptedEmail[]): void {
    emails.push(...batch);
    for (const listener of listeners) listener(batch);
    if (!options.webhooks?.auto) return;
    // Later, as a provider reports back: by then Boomerang has recorded the email's id.
    for (const email of batch) {
      const posting = new Promise((resolve) =>
        setTimeout(resolve, options.webhooks?.delayMs ?? 500),
      )
        .then(() => feedback({ kind: autoFeedbackKind(email.to), emailId: email.id }))
        .catch(() => undefined)
        .finally(() => inFlight.delete(posting));
      inFlight.add(posting);
    }
  }

  /** Resend's two endpoints; returns the answer, having recorded what it accepted. */
  function resend(path: string, body: unknown, req: http.IncomingMessage, key: string | undefined) {
    const at = Date.now();
    if (path === '/emails') {
      stats.emailRequests++;
      const problem = invalidEmail(body as EmailPayload);
      if (problem) return { answer: resendError(422, 'validation_error', problem), accepted: [] };
      const e = body as { from: string; to: string | string[]; subject: string };
      const accepted: AcceptedEmail = {
        id: randomUUID(),
        from: e.from,
        to: Array.isArray(e.to) ? e.to.join(', ') : e.to,
        subject: e.subject,
        idempotencyKey: key,
        endpoint: '/emails',
        at,
      };
      return { answer: { status: 200, body: { id: accepted.id } }, accepted: [accepted] };
    }
    stats.batchRequests++;
    if (!Array.isArray(body))
      return {
        answer: resendError(422, 'validation_error', 'The batch must be an array of emails.'),
        accepted: [],
      };
    if (body.length === 0 || body.length > MAX_BATCH)
      return {
        answer: resendError(
          422,
          'validation_error',
          `A batch holds 1 to ${MAX_BATCH} emails (got ${body.length}).`,
        ),
        accepted: [],
      };
    const permissive = req.headers['x-batch-validation'] === 'permissive';
    const problems = (body as EmailPayload[]).map(invalidEmail);
    if (!permissive) {
      const index = problems.findIndex((p) => p !== undefined);
      if (index >= 0)
        return {
          answer: resendError(422, 'validation_error', `emails[${index}]: ${problems[index]}`),
          accepted: [],
        };
    }
    const accepted: AcceptedEmail[] = [];
    const errors: { index: number; message: string }[] = [];
    (body as { from: string; to: string | string[]; subject: string }[]).forEach((e, index) => {
      const problem = problems[index];
      if (problem) {
        errors.push({ index, message: problem });
        return;
      }
      accepted.push({
        id: randomUUID(),
        from: e.from,
        to: Array.isArray(e.to) ? e.to.join(', ') : e.to,
        subject: e.subject,
        idempotencyKey: key,
        endpoint: '/emails/batch',
        at,
      });
    });
    const answerBody = permissive
      ? { data: accepted.map((a) => ({ id: a.id })), errors }
      : { data: accepted.map((a) => ({ id: a.id })) };
    return { answer: { status: 200, body: answerBody }, accepted };
  }

  function twilio(form: URLSearchParams) {
    stats.smsRequests++;
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? form.get('MessagingServiceSid') ?? '';
    const bodyText = form.get('Body') ?? '';
    if (!E164.test(to))
      return {
        answer: {
          status: 400,
          body: {
            code: 21211,
            message: `The 'To' number ${to} is not a valid phone number.`,
            more_info: 'https://www.twilio.com/docs/errors/21211',
            status: 400,
          },
        },
        accepted: [] as AcceptedSms[],
      };
    const sid = `SM${randomBytes(16).toString('hex')}`;
    return {
      answer: {
        status: 201,
        body: { sid, status: 'queued', to, from, body: bodyText, num_segments: '1' },
      },
      accepted: [{ sid, to, from, body: bodyText, at: Date.now() }],
    };
  }

  function send(res: http.ServerResponse, status: number, body: unknown, headers = {}): void {
    const write = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (latencyMs > 0) setTimeout(write, latencyMs);
    else write();
  }

  function control(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (req.method === 'GET' && path === '/_simulator/stats')
      return send(res, 200, { ...stats, emails: emails.length, sms: sms.length });
    if (req.method === 'GET' && path === '/_simulator/emails') return send(res, 200, emails);
    if (req.method === 'GET' && path === '/_simulator/sms') return send(res, 200, sms);
    if (req.method === 'POST' && path === '/_simulator/reset') {
      reset();
      return send(res, 200, { reset: true });
    }
    if (req.method === 'POST' && path === '/_simulator/webhooks') {
      let event: SimulatedFeedback;
      try {
        event = JSON.parse(raw) as SimulatedFeedback;
      } catch {
        return send(res, 400, {
          message: 'body must be a JSON webhook, e.g. {"kind":"bounced","emailId":"…"}',
        });
      }
      feedback(event).then(
        (answer) => send(res, 200, { boomerang: answer }),
        (err: Error) => send(res, 400, { message: err.message }),
      );
      return;
    }
    if (req.method === 'POST' && path === '/_simulator/faults') {
      try {
        const { times, ...fault } = JSON.parse(raw) as Fault & { times?: number };
        inject(fault as Fault, times ?? 1);
        return send(res, 200, { queued: faults.length });
      } catch {
        return send(res, 400, { message: 'body must be a JSON fault, e.g. {"kind":"timeout"}' });
      }
    }
    send(res, 404, { message: `no simulator route ${req.method} ${path}` });
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): void {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (path.startsWith('/_simulator/')) return control(req, res, raw);
    const isResend = req.method === 'POST' && (path === '/emails' || path === '/emails/batch');
    const isTwilio =
      req.method === 'POST' && /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(path);
    if (!isResend && !isTwilio)
      return send(res, 404, { statusCode: 404, name: 'not_found', message: 'Not found' });
    stats.requests++;

    const auth = req.headers.authorization ?? '';
    if (isResend && !/^Bearer \S+/.test(auth))
      return send(res, 401, resendError(401, 'missing_api_key', 'Missing API key').body);
    if (isTwilio && !/^Basic \S+/.test(auth))
      return send(res, 401, { code: 20003, message: 'Authenticate', status: 401 });

    const limit = (isResend ? emailRate : smsRate).take();
    const limitHeaders = {
      'ratelimit-limit': String(emailRate.limit),
      'ratelimit-remaining': String(limit.remaining),
      'ratelimit-reset': String(limit.resetSeconds),
    };
    if (!limit.ok) {
      stats.rateLimited++;
      const headers = { ...limitHeaders, 'retry-after': String(limit.resetSeconds) };
      return isResend
        ? send(
            res,
            429,
            resendError(
              429,
              'rate_limit_exceeded',
              `Too many requests. You can only make ${emailRate.limit} requests per second. See rate limit response headers for more information.`,
            ).body,
            headers,
          )
        : send(res, 429, { code: 20429, message: 'Too Many Requests', status: 429 }, headers);
    }

    const fault = faults.shift();
    if (fault) stats.faults++;
    if (fault?.kind === 'timeout') return; // never answered; the client gives up
    if (fault?.kind === 'error') {
      return send(
        res,
        fault.status,
        isResend
          ? resendError(fault.status, 'application_error', 'Simulated provider failure').body
          : { code: 20500, message: 'Simulated provider failure', status: fault.status },
      );
    }

    const keyHeader = isResend ? 'idempotency-key' : 'i-twilio-idempotency-token';
    const key = req.headers[keyHeader] as string | undefined;
    const store = isResend ? resendKeys : twilioKeys;
    const bodyHash = createHash('sha256').update(`${path}\n${raw}`).digest('hex');
    if (key !== undefined) {
      if (key.length < 1 || key.length > 256)
        return send(
          res,
          400,
          resendError(400, 'invalid_idempotency_key', 'The key must be 1-256 characters long.')
            .body,
        );
      const stored = store.get(key);
      if (stored && stored.expiresAt > Date.now()) {
        if (stored.bodyHash !== bodyHash)
          return send(
            res,
            409,
            resendError(
              409,
              'invalid_idempotent_request',
              'Same idempotency key used with a different request payload.',
            ).body,
          );
        if (!stored.answer)
          return send(
            res,
            409,
            resendError(
              409,
              'concurrent_idempotent_requests',
              'Same idempotency key used while original request is still in progress.',
            ).body,
          );
        stats.idempotentReplays++;
        return send(res, stored.answer.status, stored.answer.body, limitHeaders);
      }
    }

    let answer: { status: number; body: unknown };
    if (isResend) {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, resendError(400, 'invalid_body', 'The body is not JSON.').body);
      }
      const result = resend(path, body, req, key);
      answer = result.answer;
      if (result.accepted.length) accept(result.accepted);
    } else {
      const result = twilio(new URLSearchParams(raw));
      answer = result.answer;
      sms.push(...result.accepted);
    }
    // Only answered requests are replayed; a 4xx validation answer is kept too, as Resend does.
    if (key !== undefined) store.set(key, { bodyHash, expiresAt: Date.now() + ttl, answer });

    if (fault?.kind === 'drop-after-accept') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hold-after-accept') {
      setTimeout(() => send(res, answer.status, answer.body, limitHeaders), fault.ms);
      return;
    }
    send(res, answer.status, answer.body, limitHeaders);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  function inject(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) faults.push(fault);
  }
  function reset(): void {
    emails.length = 0;
    sms.length = 0;
    faults.length = 0;
    resendKeys.clear();
    twilioKeys.clear();
    for (const k of Object.keys(stats) as (keyof SimulatorStats)[]) stats[k] = 0;
  }

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    emails,
    sms,
    stats,
    inject,
    onAccepted: (listener) => void listeners.push(listener),
    feedback,
    webhooksSettled: async () => {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
