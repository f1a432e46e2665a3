/**
 * The database as the entry points see it: opened from the config, migrated, probed. The CLI and
 * the HTTP endpoint hold a `Db` and hand it to services; the queries stay in src/db.
 */
import type { Config } from '../config.js';
import { createDb, type Db, pingDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

export { databaseAddress, type Db } from '../db/database.js';
export { isDatabaseOutage, isDatabaseUnavailable, PostgresConnectError } from '../db/errors.js';

/** DATABASE_URL is unset and no `npm start` on this data directory says where its Postgres is. */
export class DatabaseNotConfiguredError extends Error {
  override name = 'DatabaseNotConfiguredError';
  constructor(dataDir: string) {
    // A stack started with BOOMERANG_DATA_DIR is found only under the same variable.
    super(
      `DATABASE_URL is not set and no \`npm start\` is running on ${dataDir}: ` +
        'start the stack (`npm start`, in another terminal); if it runs on another data directory, ' +
        'set BOOMERANG_DATA_DIR to that directory here too; or set DATABASE_URL to your Postgres.',
    );
  }
}

/** A connection pool on the config's Postgres; `max` bounds its connections (default 10). */
export function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseConnectTimeout' | 'dataDir'>,
  opts: { max?: number } = {},
): Db {
  if (!config.databaseUrl) throw new DatabaseNotConfiguredError(config.dataDir);
  return createDb(config.databaseUrl, { ...opts, connectTimeout: config.databaseConnectTimeout });
}

/** Applies the pending migrations; the names of those applied. */
export function migrateDatabase(db: Db): Promise<string[]> {
  return migrateToLatest(db);
}

/** Resolves when Postgres answers (the readiness probe). */
export function checkDatabase(db: Db): Promise<void> {
  return pingDatabase(db);
}
