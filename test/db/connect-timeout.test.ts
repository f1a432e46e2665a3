/**
 * The connect timeout bounds the setting up of a connection, not a query's wait for a free one: a
 * busy pool keeps its queries waiting (as under load), however long, and they then run.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { expect, inject, it } from 'vitest';
import type { ConnectTimeout } from '../../src/db/connect-timeout.js';
import { createDb } from '../../src/db/database.js';

const ONE_SECOND: ConnectTimeout = { seconds: 1, setting: 'PGCONNECT_TIMEOUT' };

it("lets a query wait longer than the connect timeout for the busy pool's one connection", async () => {
  const db = createDb(inject('adminDatabaseUrl'), { max: 1, connectTimeout: ONE_SECOND });
  try {
    let waited: Promise<unknown> | undefined;
    let answered = false;
    await db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      // The pool's only connection is this transaction's until it commits.
      waited = sql<{ n: number }>`SELECT 2 AS n`.execute(db).then(
        ({ rows }) => ((answered = true), rows),
        (err: Error) => err.message,
      );
      await sleep(3 * ONE_SECOND.seconds * 1000);
      expect(answered).toBe(false);
    });
    expect(await waited).toEqual([{ n: 2 }]);
  } finally {
    await db.destroy();
  }
}, 30_000);
