/**
 * The HTTP endpoint: verify, validate, store, hand on. No business rules live here.
 * Plain node:http keeps full control of raw bodies (webhook signatures) and size limits.
 */
import http from 'node:http';
import type { Client } from '@temporalio/client';
import { checkDatabase, isDatabaseOutage } from '../services/database.js';
import { eventsHandler } from './events.js';
import { OutageLog, POSTGRES_READINESS, TEMPORAL } from './outage-log.js';
import { HttpError, RETRY_AFTER_SECONDS, sendJson } from './respond.js';
import { resendWebhookHandler, twilioWebhookHandler } from './provider-webhooks.js';
import { shopifyWebhookHandler } from './shopify.js';
import { unsubscribeHandler } from './unsubscribe.js';
import { AesGcmPayloadCodec } from '../temporal/codec.js';
import { registerCodecRoutes } from './codec.js';
import { registerReportRoutes } from './dashboard.js';
import type { Handler, HttpDeps } from './types.js';
import { temporalAddress } from '../config.js';

export type { Handler, HttpDeps } from './types.js';

function temporalClient(deps: HttpDeps): Client {
  const client = typeof deps.temporal === 'function' ? deps.temporal() : deps.temporal;
  if (!client) throw new Error('not connected yet');
  return client;
}

async function pingTemporal(deps: HttpDeps): Promise<void> {
  await temporalClient(deps).workflowService.getSystemInfo({});
}

/**
 * One of /readyz's checks. Why it failed (addresses, ports) goes to `logFailure`, not the answer:
 * /readyz answers anyone.
 */
async function check(
  name: string,
  probe: () => Promise<unknown>,
  logFailure: (err: unknown) => void,
  timeoutMs = 2000,
): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, ok: true };
  } catch (err) {
    logFailure(err);
    return { name, ok: false, error: 'does not answer (the reason is in the log)' };
  } finally {
    clearTimeout(timer);
  }
}

export { RETRY_AFTER_SECONDS };

/** The endpoint's logs of an outage: Postgres's (every route), Temporal's (/readyz). */
export interface Outages {
  postgres: OutageLog;
  temporal: OutageLog;
  /** Postgres failing /readyz's check for another reason than an outage (no answer in time). */
  postgresReadiness: OutageLog;
}

export function createRoutes(deps: HttpDeps, outages: Outages): Map<string, Handler> {
  const { postgres: outage } = outages;
  const routes = new Map<string, Handler>();
  // Liveness: the process answers. Never touches dependencies, so a database outage does not get us restarted.
  routes.set('GET /healthz', async (_req, res) => sendJson(res, 200, { status: 'ok' }));
  // Readiness: we can do useful work — Postgres answers and Temporal answers.
  routes.set('GET /readyz', async (_req, res) => {
    const checks = await Promise.all([
      // A failure is told by its log, once, not at every probe of a load balancer.
      check(
        'postgres',
        () =>
          checkDatabase(deps.db).then(() => {
            outage.answers();
            outages.postgresReadiness.answers();
          }),
        (err) => (isDatabaseOutage(err) ? outage : outages.postgresReadiness).unavailable(err),
      ),
      check(
        'temporal',
        () => pingTemporal(deps).then(() => outages.temporal.answers()),
        (err) => outages.temporal.unavailable(err),
      ),
    ]);
    const ready = checks.every((c) => c.ok);
    sendJson(
      res,
      ready ? 200 : 503,
      { status: ready ? 'ready' : 'not ready', checks },
      ready ? {} : { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  });
  // The store's events and Shopify's webhooks: verified, validated, stored in the inbox.
  routes.set('POST /events', eventsHandler(deps));
  routes.set('POST /webhooks/shopify', shopifyWebhookHandler(deps));
  // What the providers say after accepting a message: bounces, complaints, STOP replies, deliveries.
  routes.set('POST /webhooks/resend', resendWebhookHandler(deps));
  routes.set('POST /webhooks/twilio', twilioWebhookHandler(deps));
  // Unsubscribe links (GET) and RFC 8058 one-click unsubscribe (POST).
  const unsubscribe = unsubscribeHandler(deps, outage);
  routes.set('GET /unsubscribe', unsubscribe);
  routes.set('POST /unsubscribe', unsubscribe);
  // The Web UI's codec server: decrypts payloads for the operator, from the UI's origin only.
  const key = deps.config?.payloadEncryptionKey;
  const operatorKey = deps.config?.operatorKey;
  registerCodecRoutes(routes, {
    codec: key ? new AesGcmPayloadCodec(key) : undefined,
    uiUrl: deps.config?.temporal?.uiUrl ?? 'http://localhost:8233',
    operatorKey,
  });
  // Campaign results for the operator: the dashboard, its JSON, and Prometheus metrics (read-only).
  if (deps.config?.temporal && deps.config.shop)
    registerReportRoutes(routes, {
      db: deps.db,
      config: {
        temporal: deps.config.temporal,
        shop: deps.config.shop,
        deliverability: deps.config.deliverability,
      },
      operatorKey,
      metricsPublic: deps.config.metricsPublic,
      preview:
        deps.config.email && deps.config.publicUrl
          ? {
              email: deps.config.email,
              publicUrl: deps.config.publicUrl,
              signingSecret: deps.config.signingSecret,
              shop: deps.config.shop,
              unsubscribeLinkDays: deps.config.unsubscribeLinkDays ?? 365,
            }
          : undefined,
    });
  return routes;
}

/**
 * Every body is at most a few MiB and arrives in seconds. Node's defaults (5 minutes for a request,
 * 1 for its headers, checked every 30 s) let anyone hold a connection and the body read so far
 * that long: the webhooks and /unsubscribe read their body before anything says who sent it.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 10_000;

export function createHttpServer(deps: HttpDeps): http.Server {
  const outage = new OutageLog({
    address: deps.databaseAddress,
    probe: () => checkDatabase(deps.db),
  });
  const temporal = new OutageLog({
    dependency: TEMPORAL,
    address: deps.config?.temporal && temporalAddress({ temporal: deps.config.temporal }),
    probe: () => pingTemporal(deps),
  });
  const postgresReadiness = new OutageLog({
    dependency: POSTGRES_READINESS,
    address: deps.databaseAddress,
    probe: () => checkDatabase(deps.db),
    // Told by /readyz's own checks, which a load balancer keeps making: a probe of ours would only
    // queue behind a Postgres that does not answer.
    probeEveryMs: 0,
  });
  const routes = createRoutes(deps, { postgres: outage, temporal, postgresReadiness });
  const requestTimeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const timeouts: http.ServerOptions = {
    requestTimeout,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    connectionsCheckingInterval: Math.min(1000, requestTimeout / 4),
  };
  const server = http.createServer(timeouts, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // HEAD is GET without the body (node:http leaves the body out of HEAD answers).
    const handler =
      routes.get(`${req.method} ${url.pathname}`) ??
      (req.method === 'HEAD' ? routes.get(`GET ${url.pathname}`) : undefined);
    if (!handler) {
      const redirect = trailingSlashRedirect(routes, req.method, url);
      if (redirect) return sendJson(res, 308, { location: redirect }, { location: redirect });
      const allowed = [...routes.keys()]
        .filter((k) => k.endsWith(` ${url.pathname}`))
        .map((k) => k.split(' ')[0]);
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '));
        return sendJson(res, 405, {
          error: `method ${req.method} not allowed on ${url.pathname}`,
          allowed,
        });
      }
      return sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    }
    handler(req, res, url).catch((err: unknown) => {
      if (err instanceof HttpError && !res.headersSent)
        return sendJson(res, err.status, { error: err.message, ...err.details }, err.headers);
      if (isDatabaseOutage(err)) {
        outage.unavailable(err);
        if (!res.headersSent)
          return sendJson(
            res,
            503,
            { error: 'Postgres is unavailable; nothing was stored — retry later' },
            { 'retry-after': String(RETRY_AFTER_SECONDS) },
          );
        return void res.end();
      }
      console.error(
        `http: ${req.method} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}`,
      );
      if (!res.headersSent)
        sendJson(res, 500, { error: 'internal error; the request was not applied' });
      else res.end();
    });
  });
  server.on('close', () => {
    outage.stop();
    temporal.stop();
    postgresReadiness.stop();
  });
  return server;
}

/**
 * Where a page typed with a trailing slash (`/dashboard/`) is: the route without it, query kept.
 * Only for reads (a browser's address bar); a webhook posted to the wrong path should fail loudly.
 */
function trailingSlashRedirect(
  routes: ReadonlyMap<string, Handler>,
  method: string | undefined,
  url: URL,
): string | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  // Only a known route, so the answer never names a path of the request's choosing (`//host/`).
  return path && path !== url.pathname && routes.has(`GET ${path}`)
    ? `${path}${url.search}`
    : undefined;
}

export function listen(server: http.Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The URL a listener on `host` answers at, as a banner should print it (IPv6 in brackets). */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
