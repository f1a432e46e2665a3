import { type Kysely, sql } from 'kysely';

/**
 * The store's checkouts (`checkout_started` / `checkout_updated` events, Shopify's checkouts/*
 * webhooks), one row per source and checkout id, holding the latest state the store stated: its
 * line items, total and recovery URL. A checkout ends once: completed (by its order, or the store
 * saying so) or deleted. `orders.checkout_id` is the store's id of the checkout an order completes,
 * matched within the order's source.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('checkouts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    // Null while the checkout names nobody Boomerang can resolve (no email, no customer id).
    .addColumn('contact_id', 'bigint', (c) => c.references('contacts.id').onDelete('set null'))
    .addColumn('email', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total', 'numeric(14, 2)', (c) => c.notNull().check(sql`total >= 0`))
    .addColumn('line_items', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('recovery_url', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    // The store's time of the state kept: an older update arriving late does not overwrite it.
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('order_id', 'bigint', (c) => c.references('orders.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('checkouts_source_external_id', ['source', 'external_id'])
    .execute();
  await db.schema.createIndex('checkouts_contact').on('checkouts').column('contact_id').execute();
  await db.schema.alterTable('orders').addColumn('checkout_id', 'text').execute();
  await sql`CREATE INDEX orders_checkout ON orders (source, checkout_id) WHERE checkout_id IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS orders_checkout`.execute(db);
  await db.schema.alterTable('orders').dropColumn('checkout_id').execute();
  await db.schema.dropTable('checkouts').execute();
}
