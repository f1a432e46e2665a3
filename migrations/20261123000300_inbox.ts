import { type Kysely, sql } from 'kysely';

/**
 * Events from the store (HTTP API, Shopify webhooks), written before the HTTP answer and processed
 * from here: nothing is lost while Temporal or the worker is down, nothing applied twice on retries.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('inbox_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addUniqueConstraint('inbox_events_dedupe', ['source', 'dedupe_key'])
    .execute();
  await sql`CREATE INDEX inbox_events_pending ON inbox_events (id) WHERE processed_at IS NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('inbox_events').execute();
}
