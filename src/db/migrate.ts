/** Runs the kysely migrations in migrations/ (timestamped files, frozen in time). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileMigrationProvider, type Kysely, type MigrationResult, Migrator } from 'kysely';
import { PROJECT_ROOT } from '../config.js';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

export class MigrationError extends Error {
  constructor(message: string, readonly results: MigrationResult[]) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Applies every pending migration; returns the names applied. Throws naming the one that failed. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const cause = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, results);
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
