import { type Kysely, sql } from 'kysely';

/**
 * Consent times a store's clock put ahead of the write that recorded them (before event times were
 * bounded) are brought back to that write: a subscription time in the future voided the unsubscribe
 * links of every email sent since, and a consent time in the future made later changes look stale.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of [
    'newsletter_subscribed_at',
    'newsletter_unsubscribed_at',
    'newsletter_consent_at',
    'sms_consent_at',
  ])
    await sql`UPDATE contacts SET ${sql.ref(column)} = updated_at WHERE ${sql.ref(column)} > updated_at`.execute(
      db,
    );
}

/** The times as they were are not kept: nothing to undo. */
export async function down(): Promise<void> {}
