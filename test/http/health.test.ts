import type { TestWorkflowEnvironment } from '@temporalio/testing';
/** GET /healthz and /readyz, and the server's answers to unknown routes, methods and paths with a trailing slash. */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDb, databaseAddress } from '../../src/db/database.js';
import { OutageLog, TEMPORAL } from '../../src/http/outage-log.js';
import { checkDatabase } from '../../src/services/database.js';
import { SUMMARY_EVERY_MS } from '../../src/temporal/repeated-warnings.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { loadConfig } from '../../src/config.js';
import {
  closedPort,
  OPERATOR_KEY,
  type RunningServer,
  startServer,
  unreachableTemporal,
} from './support.js';

describe('HTTP endpoint: health and readiness', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    [env, database] = await Promise.all([createTimeSkippingEnv(), createTestDatabase()]);
    server = await startServer({ db: database.db, temporal: env.client });
  });
  afterAll(async () => {
    await server?.close();
    await env?.teardown();
    await database?.drop();
  });

  it('answers /healthz and /readyz when Postgres and Temporal answer', async () => {
    expect(await (await fetch(`${server.base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'postgres', ok: true },
        { name: 'temporal', ok: true },
      ],
    });
  });

  it('is not ready, and says which dependency fails, when Postgres is down', async () => {
    const deadDb = createDb('postgres://nobody:x@127.0.0.1:1/none');
    const broken = await startServer({ db: deadDb, temporal: env.client });
    try {
      const res = await fetch(`${broken.base}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as {
        checks: { name: string; ok: boolean; error?: string }[];
      };
      expect(body.checks.find((c) => c.name === 'postgres')).toMatchObject({
        ok: false,
        error: expect.any(String),
      });
      expect(body.checks.find((c) => c.name === 'temporal')).toMatchObject({ ok: true });
      // Liveness does not depend on the database.
      expect((await fetch(`${broken.base}/healthz`)).status).toBe(200);
    } finally {
      await broken.close();
      await deadDb.destroy();
    }
  });

  it('says once that Postgres does not answer /readyz in time, however often it is probed, and once that it answers again', async () => {
    // The pool's one connection taken: the check's SELECT 1 waits for it, as behind a busy
    // Postgres. No outage (nothing refused or unreachable): only /readyz is turned away.
    const busyDb = createDb(database.url, { max: 1 });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken: () => void = () => {};
    const connectionTaken = new Promise<void>((resolve) => (taken = resolve));
    const holding = busyDb.connection().execute(async (connection) => {
      await checkDatabase(connection);
      taken();
      await held;
    });
    await connectionTaken;
    const lines: string[] = [];
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    const probed = await startServer({
      db: busyDb,
      temporal: env.client,
      databaseAddress: databaseAddress(database.url),
    });
    try {
      // A load balancer probing every few seconds.
      for (let i = 0; i < 3; i++) expect((await fetch(`${probed.base}/readyz`)).status).toBe(503);
      release();
      await holding;
      expect((await fetch(`${probed.base}/readyz`)).status).toBe(200);
      expect((await fetch(`${probed.base}/readyz`)).status).toBe(200);
    } finally {
      vi.restoreAllMocks();
      release();
      await holding;
      await probed.close();
      await busyDb.destroy();
    }
    const at = `Postgres at ${databaseAddress(database.url)}`;
    expect(lines).toEqual([
      `http: cannot use ${at} (no answer within 2000 ms): check that it is running and not overloaded, ` +
        'and that DATABASE_URL points to it; /readyz answers 503 until it answers, with a line a minute meanwhile',
      `http: ${at} answers again (2 readiness checks answered 503 since the last line)`,
    ]);
  });

  it('says once that Temporal does not answer, however often /readyz is probed, and once that it answers again', async () => {
    const port = await closedPort();
    const down = await unreachableTemporal(port);
    let temporal: Client = down;
    const lines: string[] = [];
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    const probed = await startServer({
      db: database.db,
      temporal: () => temporal,
      config: loadConfig({
        DATABASE_URL: 'postgres://unused@localhost/unused',
        TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      }),
    });
    try {
      // A load balancer probing every few seconds.
      for (let i = 0; i < 3; i++) expect((await fetch(`${probed.base}/readyz`)).status).toBe(503);
      temporal = env.client;
      expect((await fetch(`${probed.base}/readyz`)).status).toBe(200);
      expect((await fetch(`${probed.base}/readyz`)).status).toBe(200);
    } finally {
      vi.restoreAllMocks();
      await probed.close();
      await down.connection.close();
    }
    expect(lines).toEqual([
      `http: cannot reach Temporal at 127.0.0.1:${port} (UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:${port}): ` +
        'check that it is running and that TEMPORAL_ADDRESS points to it; ' +
        '/readyz answers 503 until it answers, with a line a minute meanwhile',
      `http: Temporal at 127.0.0.1:${port} answers again (2 readiness checks answered 503 since the last line)`,
    ]);
  });

  it("counts /readyz's 503s while Temporal does not answer, a line a minute", async () => {
    const port = await closedPort();
    const down = await unreachableTemporal(port);
    let temporal: Client = down;
    const printed: string[] = [];
    const clock = { now: 1_000_000 };
    const probe = async () => void (await temporal.workflowService.getSystemInfo({}));
    const log = new OutageLog({
      dependency: TEMPORAL,
      address: `127.0.0.1:${port}`,
      probe,
      print: (level, line) => printed.push(`${level}: ${line}`),
      now: () => clock.now,
      probeEveryMs: 0,
    });
    try {
      const refused: unknown = await probe().catch((err: unknown) => err);
      for (let i = 0; i < 3; i++) log.unavailable(refused);
      clock.now += SUMMARY_EVERY_MS;
      log.unavailable(refused);
      temporal = env.client;
      await log.check();
    } finally {
      await down.connection.close();
    }
    const at = `Temporal at 127.0.0.1:${port}`;
    const why = `(UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:${port})`;
    expect(printed).toEqual([
      `warn: cannot reach ${at} ${why}: check that it is running and that TEMPORAL_ADDRESS points to it; /readyz answers 503 until it answers, with a line a minute meanwhile`,
      `warn: still cannot reach ${at} ${why}: 3 readiness checks answered 503 in the last minute`,
      `info: ${at} answers again`,
    ]);
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow', async () => {
    expect((await fetch(`${server.base}/nope`)).status).toBe(404);
    const res = await fetch(`${server.base}/healthz`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('sends a page asked for with a trailing slash to the page, query kept; never a write', async () => {
    const pages = await startServer({
      db: database.db,
      temporal: env.client,
      config: loadConfig({
        DATABASE_URL: 'postgres://unused@localhost/unused',
        BOOMERANG_OPERATOR_KEY: OPERATOR_KEY,
      }),
    });
    try {
      const moved = async (path: string, init: RequestInit = {}) => {
        const res = await fetch(`${pages.base}${path}`, { redirect: 'manual', ...init });
        return { status: res.status, location: res.headers.get('location') };
      };
      expect(await moved('/dashboard/')).toEqual({ status: 308, location: '/dashboard' });
      expect(await moved('/dashboard//?campaign=welcome&days=30')).toEqual({
        status: 308,
        location: '/dashboard?campaign=welcome&days=30',
      });
      expect(await moved('/api/report/', { method: 'HEAD' })).toEqual({
        status: 308,
        location: '/api/report',
      });
      expect(await moved('/healthz/')).toEqual({ status: 308, location: '/healthz' });
      // Followed, the browser lands on the page (its sign-in challenge).
      const followed = await fetch(`${pages.base}/dashboard/`);
      expect(followed.url).toBe(`${pages.base}/dashboard`);
      expect(followed.status).toBe(401);
      // Not for writes, nor for paths that are no route.
      expect((await moved('/events/', { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await moved('/nope/')).status).toBe(404);
      expect((await moved('/')).status).toBe(404);
    } finally {
      await pages.close();
    }
  });
});
