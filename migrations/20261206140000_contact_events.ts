import { type Kysely, sql } from 'kysely';

/**
 * The store's custom events (`POST /events` with type "track"), kept per contact: flows start on
 * them and wait for them. An event applied again (a retried inbox row) is the same contact, name
 * and time, and is kept once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contact_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('contact_id', 'bigint', (c) =>
      c.notNull().references('contacts.id').onDelete('cascade'),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('properties', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('contact_events_once', ['contact_id', 'name', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_events').execute();
}
