import { type Kysely, sql } from 'kysely';

/**
 * A campaign's kind is whatever the application registers (src/campaigns/kinds): the database no
 * longer repeats the list, so adding a kind needs no migration.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS campaigns_kind_check`.execute(db);
}

/** Back to the three kinds the constraint listed when it was dropped. */
export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE campaigns ADD CONSTRAINT campaigns_kind_check
    CHECK (kind IN ('low_clv_coupon', 'inactive_reactivation', 'welcome_voucher'))`.execute(db);
}
