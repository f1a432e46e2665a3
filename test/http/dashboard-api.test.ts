/** GET /api/report and GET /dashboard over HTTP (no browser): answers, errors, read-only, self-contained page. */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/schema.js';
import type { Handler } from '../../src/http/server.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { basicAuth, OPERATOR_BEARER, OPERATOR_KEY, startReportServer } from './support.js';
import { useTestDatabase } from '../support/db.js';
import { seedReportFixture } from '../reports/fixture.js';
import { REPORT_CONFIG } from '../reports/matchers.js';
import { type RouteServer } from '../reports/route-server.js';

describe('report routes', () => {
  const database = useTestDatabase();
  let server: RouteServer;
  const routes = new Map<string, Handler>();

  beforeAll(async () => {
    await seedReportFixture(database.db);
    server = await startReportServer(database.db, { routes });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('asks for the operator key: a browser gets the Basic sign-in challenge, a program may send it as a bearer token', async () => {
    for (const path of ['/dashboard', '/api/report']) {
      const anonymous = await fetch(`${server.base}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.headers.get('www-authenticate'), path).toMatch(
        /^Basic realm="boomerang operator"/,
      );
      const refusal = await anonymous.text();
      expect(refusal, path).not.toContain('funnel');
      // Where the key comes from wherever the endpoint runs (compose has no .data directory).
      expect(refusal, path).toMatch(/BOOMERANG_OPERATOR_KEY/);
      const wrong = await fetch(`${server.base}${path}`, {
        headers: basicAuth('operator', `${OPERATOR_KEY}x`),
      });
      expect(wrong.status, path).toBe(401);
      expect(((await wrong.json()) as { error: string }).error).toBe('wrong operator key');
      const signedIn = await fetch(`${server.base}${path}`, {
        headers: basicAuth('anyone', OPERATOR_KEY),
      });
      expect(signedIn.status, path).toBe(200);
      const program = await fetch(`${server.base}${path}`, { headers: OPERATOR_BEARER });
      expect(program.status, path).toBe(200);
    }
  });

  it('is closed to everyone while no operator key is configured', async () => {
    const other = await startReportServer(database.db, { operatorKey: undefined });
    try {
      for (const path of ['/dashboard', '/api/report', '/metrics']) {
        const res = await fetch(`${other.base}${path}`, { headers: basicAuth('operator', '') });
        expect(res.status, path).toBe(401);
        expect(((await res.json()) as { error: string }).error).toMatch(
          /BOOMERANG_OPERATOR_KEY is not set/,
        );
      }
    } finally {
      await other.close();
    }
  });

  it('registers GET routes only', () => {
    expect([...routes.keys()].sort()).toEqual([
      'GET /api/model-health',
      'GET /api/report',
      'GET /dashboard',
      'GET /metrics',
    ]);
  });

  it('GET /api/report answers the report, the same object the CLI prints', async () => {
    const res = await fetch(
      `${server.base}/api/report?campaign=welcome&since=2026-03-04&window=14d`,
      { headers: OPERATOR_BEARER },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    const direct = await buildReport(
      database.db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'welcome', since: '2026-03-04', window: '14d' }),
    );
    expect({ ...body, generatedAt: null }).toEqual(
      JSON.parse(JSON.stringify({ ...direct, generatedAt: null })),
    );
    expect(body.filters).toEqual({
      campaign: 'welcome',
      since: '2026-03-04T00:00:00.000Z',
      window: '14d',
      windowMs: 14 * 86_400_000,
    });
  });

  it('says what is wrong with a request', async () => {
    const bad = await fetch(`${server.base}/api/report?window=forever`, {
      headers: OPERATOR_BEARER,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/window must be a duration/);
    const unknown = await fetch(`${server.base}/api/report?campaign=nope`, {
      headers: OPERATOR_BEARER,
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown campaign "nope"/);
  });

  it('is read-only: writing methods are refused, and the report cannot write', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${server.base}/api/report`, {
        method,
        body: method === 'DELETE' ? undefined : '{}',
      });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
    }
    // The report reads in one READ ONLY, REPEATABLE READ transaction, where Postgres refuses writes.
    const statements: string[] = [];
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const logged = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => void statements.push(event.query.sql),
    });
    try {
      await buildReport(logged, REPORT_CONFIG, parseReportOptions({ campaign: 'low-clv' }));
      expect(statements[0]).toMatch(
        /^start transaction isolation level repeatable read read only$/i,
      );
      expect(statements.filter((q) => /^\s*(insert|update|delete)\b/i.test(q))).toEqual([]);
      await expect(
        logged
          .transaction()
          .setAccessMode('read only')
          .execute((trx) => trx.deleteFrom('journeys').execute()),
      ).rejects.toThrow(/read-only transaction/);
    } finally {
      await logged.destroy();
    }
  });

  it('GET /dashboard is one self-contained page: inline script and style allowed by hash, nothing from elsewhere', async () => {
    const res = await fetch(`${server.base}/dashboard`, { headers: OPERATOR_BEARER });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const hash = (text: string) =>
      `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*)<\/style>/.exec(html)![1]!;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // No CDN, no fonts, no images: the only absolute URL is the SVG namespace.
    expect([...html.matchAll(/https?:\/\/[^\s'"]+/g)].map((m) => m[0])).toEqual([
      'http://www.w3.org/2000/svg',
    ]);
    expect(html).not.toMatch(/<script[^>]+src=|<link(?![^>]+href="data:)|@import|url\((?!#)/);
    expect(html).toContain("fetch('api/report'");
  });
});
