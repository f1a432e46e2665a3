import { type Kysely, sql } from 'kysely';

/**
 * The (contact, time) index of orders also carries each order's status and total, so that the
 * recompute reads every paid order in contact-and-time order from the index alone: the purchase
 * days fall out of that order without sorting or hashing all orders (src/db/indicators.ts).
 * It still serves every lookup of a contact's orders. Building it blocks order writes meanwhile.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX orders_contact_placed_at_covering ON orders (contact_id, placed_at) INCLUDE (status, total)`.execute(
    db,
  );
  await sql`DROP INDEX orders_contact_placed_at`.execute(db);
  await sql`ALTER INDEX orders_contact_placed_at_covering RENAME TO orders_contact_placed_at`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX orders_contact_placed_at_plain ON orders (contact_id, placed_at)`.execute(
    db,
  );
  await sql`DROP INDEX orders_contact_placed_at`.execute(db);
  await sql`ALTER INDEX orders_contact_placed_at_plain RENAME TO orders_contact_placed_at`.execute(
    db,
  );
}
