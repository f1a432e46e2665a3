import type { Kysely } from 'kysely';

/**
 * Why a journey failed (end_reason 'failed'): the error that ended its workflow, so the report,
 * the dashboard and `contact trace` can say it rather than show the journey as running.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journeys').addColumn('failure', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journeys').dropColumn('failure').execute();
}
