/** Contacts in the shapes the end-to-end tests need. */
import type { Db } from '../../src/db/database.js';

/** A subscribed one-order customer of low value: a member of "Customers to reengage". */
export async function lowValueCustomer(
  db: Db,
  email: string,
  indicators: { totalSpent: number; ageDays: number; clv12m: number; forecast: number },
): Promise<number> {
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
