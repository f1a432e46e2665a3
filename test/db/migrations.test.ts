import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { useTestDatabase } from '../support/db.js';

describe('migrations', () => {
  const database = useTestDatabase();

  it('lists every migration file of migrations/ in the registry, in order', async () => {
    const files = (await fs.readdir(path.join(PROJECT_ROOT, 'migrations')))
      .filter((f) => /^\d{14}_.+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
  });

  it('is up to date after the template migration, and migrating again changes nothing', async () => {
    expect(await migrateToLatest(database.db)).toEqual([]);
    const applied = await sql<{
      name: string;
    }>`SELECT name FROM kysely_migration ORDER BY name`.execute(database.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(migrations));
  });

  it('every migration can be rolled back and applied again', async () => {
    const { Migrator, NO_MIGRATIONS } = await import('kysely');
    const migrator = new Migrator({
      db: database.db,
      provider: { getMigrations: async () => migrations },
    });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => r.direction)).toEqual(
      Object.keys(migrations).map(() => 'Down'),
    );
    expect((await migrateToLatest(database.db)).length).toBe(Object.keys(migrations).length);
  });
});
