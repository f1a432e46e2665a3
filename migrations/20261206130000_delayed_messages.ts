import { type Kysely, sql } from 'kysely';

/**
 * A send that would take a contact's last free slot under the frequency cap looks for the
 * contact's messages waiting for the cap (`message_delayed` events): found by contact, not by
 * scanning every event.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS journey_events_delayed_contact
    ON journey_events (contact_id) WHERE type = 'message_delayed'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS journey_events_delayed_contact`.execute(db);
}
