/**
 * The HTTP endpoint: verify, validate, store, hand on. No business rules live here.
 * Plain node:http keeps full control of raw bodies (webhook signatures) and size limits.
 */
import http from 'node:http';
import { sql } from 'kysely';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';

export interface HttpDeps {
  db: Db;
  temporal: Client;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function check(name: string, probe: () => Promise<unknown>, timeoutMs = 2000): Promise<{ name: string; ok: boolean; error?: string }> {
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
    return { name, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function createRoutes(deps: HttpDeps): Map<string, Handler> {
  const routes = new Map<string, Handler>();
  // Liveness: the process answers. Never touches dependencies, so a database outage does not get us restarted.
  routes.set('GET /healthz', async (_req, res) => sendJson(res, 200, { status: 'ok' }));
  // Readiness: we can do useful work — Postgres answers and Temporal answers.
  routes.set('GET /readyz', async (_req, res) => {
    const checks = await Promise.all([
      check('postgres', () => sql`SELECT 1`.execute(deps.db)),
      check('temporal', () => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ready = checks.every((c) => c.ok);
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  });
  return routes;
}

export function createHttpServer(deps: HttpDeps): http.Server {
  const routes = createRoutes(deps);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(`${req.method} ${url.pathname}`);
    if (!handler) {
      const allowed = [...routes.keys()].filter((k) => k.endsWith(` ${url.pathname}`)).map((k) => k.split(' ')[0]);
      if (allowed.length > 0) {
        res.setHeader('allow', allowed.join(', '));
        return sendJson(res, 405, { error: `method ${req.method} not allowed on ${url.pathname}`, allowed });
      }
      return sendJson(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
    }
    handler(req, res, url).catch((err: unknown) => {
      console.error(`http: ${req.method} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error; the request was not applied' });
      else res.end();
    });
  });
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
