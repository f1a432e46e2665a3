/**
 * Postgres stops letting the running HTTP endpoint in (its role's password changed, its connections
 * cut): every request that needs it is answered 503 with a short JSON error, so the store retries,
 * and nothing is stored; the log says so in one line naming the address and DATABASE_URL, then
 * counts, and says when Postgres answers again, after which events are stored as before.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDb, databaseAddress, type Db } from '../../src/db/database.js';
import { OutageLog } from '../../src/http/outage-log.js';
import { checkDatabase } from '../../src/services/database.js';
import { SUMMARY_EVERY_MS } from '../../src/temporal/repeated-warnings.js';
import { queryRows, useTestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';
import {
  API_KEY,
  closedPort,
  EVERY_ROUTE_CONFIG,
  OPERATOR_BEARER,
  type RunningServer,
  startServer,
  unreachableTemporal,
} from './support.js';

/** What the endpoint printed (console.log, warn and error), a line each. */
function captureConsole(): string[] {
  const lines: string[] = [];
  for (const level of ['log', 'warn', 'error'] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
  return lines;
}

const database = useTestDatabase();

describe('the HTTP endpoint when Postgres turns it away while it runs', () => {
  const admin = inject('adminDatabaseUrl');
  const role = `pgdown_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let url: URL;
  let db: Db;
  let temporal: Client;
  let server: RunningServer;
  let lines: string[];

  beforeAll(async () => {
    await queryRows(admin, `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD '${password}'`);
    url = new URL(database.url);
    url.username = role;
    url.password = password;
    // One connection: once Postgres has cut it, every request needs a new one.
    db = createDb(url.toString(), { max: 1 });
    temporal = await unreachableTemporal();
    lines = captureConsole();
    server = await startServer({
      db,
      temporal,
      databaseAddress: databaseAddress(url.toString()),
      config: EVERY_ROUTE_CONFIG,
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
    await temporal?.connection.close();
    await db?.destroy();
    await queryRows(admin, `DROP ROLE IF EXISTS ${role}`);
  });

  const postEvent = (email: string) =>
    fetch(`${server.base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'account_registered', contact: { email } }),
    });
  const storedEmails = async () =>
    (await database.db.selectFrom('inbox_events').select('payload').orderBy('id').execute()).map(
      (r) => (r.payload as { contact: { email: string } }).contact.email,
    );

  /** /readyz's check of Postgres (Temporal is never there in these tests). */
  const postgresCheck = async (readyz: Response) =>
    ((await readyz.json()) as { checks: { name: string }[] }).checks.find(
      (c) => c.name === 'postgres',
    );

  it('answers 503 and logs one line, then answers again once Postgres lets it in', async () => {
    expect((await postEvent('before@example.com')).status).toBe(202);

    await queryRows(admin, `ALTER ROLE ${role} PASSWORD 'changed-${password}'`);
    await queryRows(
      admin,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`,
    );
    // The pool has dropped its connection: the next request has to connect anew.
    await until(
      async () => lines.some((l) => l.startsWith('postgres pool: lost 1 idle connection')),
      'the pool to hear its connection was cut',
    );

    for (const email of ['during-1@example.com', 'during-2@example.com']) {
      const res = await postEvent(email);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({
        error: 'Postgres is unavailable; nothing was stored — retry later',
      });
    }
    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await postgresCheck(ready)).toEqual({
      name: 'postgres',
      ok: false,
      error: 'does not answer (the reason is in the log)',
    });
    expect((await fetch(`${server.base}/metrics`, { headers: OPERATOR_BEARER })).status).toBe(503);
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);

    const where = `${url.hostname}:${url.port}${url.pathname}`;
    expect(lines.filter((l) => l.includes('Postgres') && !l.startsWith('postgres pool'))).toEqual([
      `http: cannot use Postgres at ${where} (password authentication failed for user "${role}", 28P01): ` +
        'fix the user or password in DATABASE_URL; requests that need it are answered 503 until it answers, with a line a minute meanwhile',
    ]);
    // No stack trace, no 500, and never the password.
    expect(lines.join('\n')).not.toMatch(/^\s+at |^http: (GET|POST) \S+ failed/m);
    expect(lines.join('\n')).not.toContain(password);
    expect(await storedEmails()).toEqual(['before@example.com']);

    await queryRows(admin, `ALTER ROLE ${role} PASSWORD '${password}'`);
    const back = await fetch(`${server.base}/readyz`);
    expect(await postgresCheck(back)).toEqual({ name: 'postgres', ok: true });
    expect(lines.filter((l) => l.includes('answers again'))).toEqual([
      `http: Postgres at ${where} answers again (3 requests answered 503 since the last line)`,
    ]);
    expect((await postEvent('after@example.com')).status).toBe(202);
    expect(await storedEmails()).toEqual(['before@example.com', 'after@example.com']);
  });
});

describe('the outage log', () => {
  let down: Db;
  beforeAll(async () => {
    down = createDb(`postgres://nobody:x@127.0.0.1:${await closedPort()}/none`, { max: 1 });
  });
  afterAll(() => down?.destroy());

  it('counts the 503s, a line a minute, until Postgres answers', async () => {
    const printed: string[] = [];
    const clock = { now: 1_000_000 };
    let probed = down;
    const log = new OutageLog({
      address: 'db.shop:5432/shop',
      probe: () => checkDatabase(probed),
      print: (level, line) => printed.push(`${level}: ${line}`),
      now: () => clock.now,
      probeEveryMs: 0,
    });
    const refused: unknown = await checkDatabase(down).catch((err: unknown) => err);

    for (let i = 0; i < 4; i++) log.unavailable(refused);
    clock.now += SUMMARY_EVERY_MS;
    await log.check();
    clock.now += SUMMARY_EVERY_MS;
    await log.check();
    log.unavailable(refused);
    probed = database.db;
    await log.check();
    await log.check();

    const why = '(connection refused, ECONNREFUSED)';
    expect(printed).toEqual([
      `warn: cannot use Postgres at db.shop:5432/shop ${why}: check that it is running and that DATABASE_URL points to it; requests that need it are answered 503 until it answers, with a line a minute meanwhile`,
      `warn: still cannot use Postgres at db.shop:5432/shop ${why}: 3 requests answered 503 in the last minute`,
      `warn: still cannot use Postgres at db.shop:5432/shop ${why}: no request answered 503 in the last minute`,
      'info: Postgres at db.shop:5432/shop answers again (1 request answered 503 since the last line)',
    ]);
    expect(log.down).toBe(false);
  });
});
