/**
 * Postgres ends the pool's connections (a restart, pg_terminate_backend): the log tells the burst
 * in one line naming how many were lost and where, not a line or two per connection; the pool
 * opens new ones and queries carry on.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createDb, databaseAddress, type Db } from '../../src/db/database.js';
import { queryRows, useTestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';

const database = useTestDatabase();

describe('the pool when Postgres ends its connections', () => {
  const app = `lost_${randomBytes(4).toString('hex')}`;
  let url: URL;
  let db: Db;

  beforeAll(() => {
    url = new URL(database.url);
    url.searchParams.set('application_name', app);
    db = createDb(url.toString(), { max: 3 });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await db?.destroy();
  });

  it('tells the idle connections it lost in one line, then carries on', async () => {
    // Three connections, checked out together, then idle in the pool.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let open = 0;
    const transactions = Array.from({ length: 3 }, () =>
      db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        if (++open === 3) release();
        await held;
      }),
    );
    await Promise.all(transactions);

    const lines: string[] = [];
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(' '));
      });
    const ended = await queryRows(
      inject('adminDatabaseUrl'),
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${app}'`,
    );
    expect(ended).toHaveLength(3);
    // A burst is one line on any machine that handles the three errors within the second the pool
    // gathers them (two lines each before); a stalled machine may split it, so the lines are read
    // for what they say and count.
    const line = new RegExp(
      `^postgres pool: lost (\\d) idle connections? to Postgres at ${databaseAddress(url.toString()).replace(/[.[\]]/g, '\\$&')} ` +
        '\\(terminating connection due to administrator command\\); new ones are opened as needed$',
    );
    const told = () => lines.reduce((n, l) => n + Number(line.exec(l)?.[1] ?? 0), 0);
    await until(async () => told() >= 3 || undefined, 'the pool to tell what it lost');
    for (const l of lines) expect(l).toMatch(line);
    expect(told()).toBe(3);

    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
    expect(rows).toEqual([{ one: 1 }]);
    for (const l of lines) expect(l).toMatch(line);
    expect(told()).toBe(3);
  });
});
