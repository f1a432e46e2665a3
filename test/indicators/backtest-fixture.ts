/** Orders of BG/NBD-like buyers around a calibration cut, for the backtest tests. */
import type { Db } from '../../src/db/database.js';
import { insertContacts, insertOrders, type RawOrder } from '../support/orders.js';
import {
  betaVariate,
  exponentialVariate,
  gammaVariate,
  mulberry32,
} from '../domain/indicators/simulate.js';

export const DAY = 86_400_000;

export type { RawOrder };

/**
 * 600 contacts buying from `start` until they drop out or 30 days past the holdout, with
 * same-day second orders, refunded orders, and one order exactly at the cut. Returns what it
 * inserted.
 */
export async function seedBacktestOrders(
  db: Db,
  { start, cut, holdoutDays }: { start: number; cut: number; holdoutDays: number },
): Promise<{ orders: RawOrder[]; contactIds: number[] }> {
  const orders: RawOrder[] = [];
  const rng = mulberry32(2025);
  const contactIds = await insertContacts(db, 'b', 600);
  const end = cut + holdoutDays * DAY + 30 * DAY; // some orders after the holdout, to be ignored
  for (const contact of contactIds) {
    // BG/NBD-like buyers: a purchase rate, a drop-out chance after each purchase, a spend level.
    const rate = gammaVariate(rng, 0.8) / 40;
    const dropout = betaVariate(rng, 1, 4);
    const spend = 20 + gammaVariate(rng, 3) * 15;
    let t = start + Math.floor(rng() * (cut - start - DAY));
    for (;;) {
      const total = Math.round(spend * (0.5 + rng()) * 100) / 100;
      orders.push({ contact, placedAt: new Date(t), total, status: 'paid' });
      // Same-day second orders (one purchase) and refunded orders (none).
      if (rng() < 0.1)
        orders.push({ contact, placedAt: new Date(t + 3600_000), total: 9.5, status: 'paid' });
      if (rng() < 0.05)
        orders.push({ contact, placedAt: new Date(t + 7200_000), total: 99, status: 'refunded' });
      if (rng() < dropout) break;
      t += Math.max(DAY, Math.round(exponentialVariate(rng, rate) * DAY));
      if (t >= end) break;
    }
  }
  // An order at the cut instant belongs to the holdout.
  orders.push({ contact: contactIds[0]!, placedAt: new Date(cut), total: 42, status: 'paid' });
  await insertOrders(db, 'bt', orders);
  return { orders, contactIds };
}
