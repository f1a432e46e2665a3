import { type Kysely, sql } from 'kysely';

/**
 * When the contact's newsletter consent was last stated by a source (a change, or a confirmation
 * newer than the change): an event older than it never overrides the contact's consent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('newsletter_consent_at', 'timestamptz')
    .execute();
  await sql`UPDATE contacts SET newsletter_consent_at =
      GREATEST(newsletter_subscribed_at, newsletter_unsubscribed_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('newsletter_consent_at').execute();
}
