/** Contacts in the shapes the end-to-end tests need. */
import type { Db } from '../../src/db/database.js';
import type { NewContact } from '../../src/db/schema.js';
import { ensurePresetSegments } from '../../src/db/segments.js';

/**
 * A subscribed one-order customer of low value: a member of "Customers to reengage" (whose preset
 * segments are ensured first).
 */
export async function lowValueCustomer(
  db: Db,
  email: string,
  indicators: { totalSpent: number; ageDays: number; clv12m: number; forecast: number } = {
    totalSpent: 30,
    ageDays: 300,
    clv12m: 12,
    forecast: 0.2,
  },
): Promise<number> {
  await ensurePresetSegments(db);
  const { id } = await db
    .insertInto('contacts')
    .values({ email, newsletter_status: 'subscribed' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('contact_indicators')
    .values({
      contact_id: id,
      orders_count: 1,
      total_spent: indicators.totalSpent,
      frequency: 0,
      recency_days: 0,
      age_days: indicators.ageDays,
      monetary_value: 0,
      clv_12m: indicators.clv12m,
      forecast_purchases_12m: indicators.forecast,
      computed_at: new Date(),
    })
    .execute();
  return id;
}

/**
 * `count` subscribed one-order customers of low value (`${prefix}${i}@example.com`), all in
 * "Customers to reengage" (whose preset segments are ensured first).
 */
export async function seedReengageContacts(
  db: Db,
  prefix: string,
  count: number,
): Promise<{ id: number }[]> {
  await ensurePresetSegments(db);
  const contacts = await db
    .insertInto('contacts')
    .values(
      Array.from({ length: count }, (_, i) => ({
        email: `${prefix}${i}@example.com`,
        newsletter_status: 'subscribed' as const,
      })),
    )
    .returning('id')
    .execute();
  // Low CLV and low forecast: every contact is in "Customers to reengage".
  await db
    .insertInto('contact_indicators')
    .values(
      contacts.map(({ id }) => ({
        contact_id: id,
        orders_count: 1,
        total_spent: 20,
        frequency: 0,
        recency_days: 0,
        age_days: 200,
        monetary_value: 0,
        clv_12m: 8,
        forecast_purchases_12m: 0.1,
        computed_at: new Date(),
      })),
    )
    .execute();
  return contacts;
}

/**
 * Inserts a contact a call, each with an address of its own (`${prefix}${n}@example.com`, n
 * counting from 1) and subscribed to the newsletter, then `defaults(n)` and the call's `values`
 * over that; returns the contact's id.
 */
export function contactMaker(
  database: { readonly db: Db },
  prefix: string,
  defaults: (n: number) => Partial<NewContact> = () => ({}),
): (values?: Partial<NewContact>) => Promise<number> {
  let n = 0;
  return async (values = {}) => {
    n++;
    const { id } = await database.db
      .insertInto('contacts')
      .values({
        email: `${prefix}${n}@example.com`,
        newsletter_status: 'subscribed',
        ...defaults(n),
        ...values,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  };
}
