/**
 * The Kysely instance over a pg pool. Created by composition roots (worker, HTTP server, CLI) and
 * passed down; nothing in the codebase holds a module-level database.
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

// Postgres returns NUMERIC and BIGINT as strings to avoid precision loss; amounts here are
// NUMERIC(14,2) and counts fit in a double, so numbers are what the code wants.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Db = Kysely<Database>;

/** What repositories take: the Kysely instance or a transaction, so the caller owns the transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Run `fn` in the caller's transaction, or in a new one when given the plain Kysely instance. */
export async function inTransaction<T>(
  db: Executor,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

export function createDb(connectionString: string, opts: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => console.error(`postgres pool: ${err.message}`));
  // A connection checked out when Postgres dies (between the queries of a transaction) emits
  // 'error' on its client, not the pool: unheard, it would end the process. The query under way
  // fails on its own, and the pool drops the broken connection when it is released.
  pool.on('connect', (client) =>
    client.on('error', (err) => console.error(`postgres connection: ${err.message}`)),
  );
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** `SELECT 1`: resolves when Postgres answers (the readiness probe). */
export async function pingDatabase(db: Executor): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
