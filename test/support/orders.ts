/** Contacts and their orders inserted in bulk, for the tests that compute indicators from them. */
import type { Db } from '../../src/db/database.js';

/** An order as the indicator tests reason about it; stored in EUR. */
export interface RawOrder {
  contact: number;
  placedAt: Date;
  total: number;
  status: 'paid' | 'refunded' | 'cancelled';
}

/** A contact with no more than an email; its id. */
export async function insertContact(db: Db, email: string): Promise<number> {
  const { id } = await db
    .insertInto('contacts')
    .values({ email })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/** `count` contacts with no more than an email (`${prefix}${i}@example.com`); their ids in order. */
export async function insertContacts(db: Db, prefix: string, count: number): Promise<number[]> {
  const inserted = await db
    .insertInto('contacts')
    .values(Array.from({ length: count }, (_, i) => ({ email: `${prefix}${i}@example.com` })))
    .returning('id')
    .execute();
  return inserted.map((r) => r.id);
}

/** The orders as rows, their external ids `${prefix}${i}` by position. */
export async function insertOrders(db: Db, prefix: string, orders: RawOrder[]): Promise<void> {
  await db
    .insertInto('orders')
    .values(
      orders.map((o, i) => ({
        external_id: `${prefix}${i}`,
        contact_id: o.contact,
        placed_at: o.placedAt,
        total: o.total,
        currency: 'EUR',
        status: o.status,
      })),
    )
    .execute();
}
