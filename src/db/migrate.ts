/** Runs the kysely migrations in migrations/ (timestamped files, frozen in time). */
import { type Kysely, type MigrationResult, Migrator } from 'kysely';
import { migrations } from '../../migrations/index.js';

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: MigrationResult[],
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Applies every pending migration; returns the names applied. Throws naming the one that failed. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    // None ran (Postgres not reachable, say): the error as it is, which tells why, not a migration.
    if (!failed) throw error;
    const cause = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${failed.migrationName} failed: ${cause}`, results);
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
