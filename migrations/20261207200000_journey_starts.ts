import { type Kysely, sql } from 'kysely';

/**
 * The start queue: journeys an applied store event enrols, waiting for a starter. The inbox writes
 * a row as it applies the event (its workflow id decided then, deterministic), and starters take
 * the rows at the engine's rate, so applying never waits for Temporal. A row is deleted once its
 * workflow exists, in the same statement that writes the journey's row: the journeys table is the
 * record of a start, the queue holds only what is still to start (its size is the backlog), and a
 * contact's journey is always counted in one or the other.
 * `due_at` is when a starter may take the row: a claim moves it a lease ahead (a starter that dies
 * lets it come back), a failed start moves it back off with the error kept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('journey_starts')
    .addColumn('workflow_id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) =>
      c.notNull().references('campaigns.id').onDelete('cascade'),
    )
    .addColumn('definition_version', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'bigint', (c) =>
      c.notNull().references('contacts.id').onDelete('cascade'),
    )
    .addColumn('holdout', 'boolean', (c) => c.notNull())
    .addColumn('entry_event', 'jsonb')
    .addColumn('enqueued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('journey_starts_due').on('journey_starts').column('due_at').execute();
  await db.schema
    .createIndex('journey_starts_contact')
    .on('journey_starts')
    .columns(['contact_id', 'campaign_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('journey_starts').execute();
}
