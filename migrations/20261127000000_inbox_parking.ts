import { type Kysely, sql } from 'kysely';

/**
 * Poison events: an event that failed too many times is parked (kept, with its reason, and no
 * longer retried) until someone retries or discards it (`boomerang inbox`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbox_events').addColumn('parked_at', 'timestamptz').execute();
  await sql`CREATE INDEX inbox_events_parked ON inbox_events (id) WHERE parked_at IS NOT NULL AND processed_at IS NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS inbox_events_parked`.execute(db);
  await db.schema.alterTable('inbox_events').dropColumn('parked_at').execute();
}
