import type { Kysely } from 'kysely';

/**
 * A queued journey start that kept failing for a reason other than an outage (a payload the
 * server refuses, a namespace or search attribute missing) is parked, as an inbox event is: no
 * starter takes it and the contact's signals no longer wait for it, until an operator retries or
 * discards it (`boomerang inbox starts`, `retry-starts`, `discard-starts`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journey_starts').addColumn('parked_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journey_starts').dropColumn('parked_at').execute();
}
