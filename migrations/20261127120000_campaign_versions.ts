import { type Kysely, sql } from 'kysely';

/**
 * Campaign definitions get versions: every update keeps the previous definition, and each journey
 * names the version it runs under, so results can be split by version.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('campaigns')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable('campaign_versions')
    .addColumn('campaign_id', 'text', (c) =>
      c.notNull().references('campaigns.id').onDelete('cascade'),
    )
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    // What running journeys were told to do when this version was saved: keep their version, or adopt this one.
    .addColumn('running_journeys', 'text', (c) =>
      c
        .notNull()
        .defaultTo('keep')
        .check(sql`running_journeys IN ('keep', 'adopt')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('campaign_versions_pk', ['campaign_id', 'version'])
    .execute();
  await sql`INSERT INTO campaign_versions (campaign_id, version, definition, created_at)
            SELECT id, 1, definition, created_at FROM campaigns`.execute(db);

  // The version of the definition the journey's latest step ran under (the one it started with, unless it adopted a newer one).
  await db.schema
    .alterTable('journeys')
    .addColumn('definition_version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journeys').dropColumn('definition_version').execute();
  await db.schema.dropTable('campaign_versions').execute();
  await db.schema.alterTable('campaigns').dropColumn('version').execute();
}
