import type { Kysely } from 'kysely';

/**
 * The workflow run that recorded a journey's end itself (null when `campaign stop` settled it from
 * Temporal, or when it was recorded before this column). A workflow task discarded after its
 * local `endJourney` wrote may be retried down another path (a signal arrived meanwhile): the
 * run's own later end replaces the one its discarded task wrote, and no other run's.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journeys').addColumn('ended_by_run', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journeys').dropColumn('ended_by_run').execute();
}
