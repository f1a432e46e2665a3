import { type Kysely, sql } from 'kysely';

/**
 * The partial refunds of orders that flows were told of (`order_partially_refunded`). A partial
 * refund changes nothing else of its order, so this is what lets a refund applied again (a retried
 * inbox row, the same refund sent under another event id) tell no flow twice: one refund is one
 * order, time and amount.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('partial_refunds')
    .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('refunded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('amount', 'numeric(14, 2)', (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('partial_refunds_once', ['order_id', 'refunded_at', 'amount'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('partial_refunds').execute();
}
