/**
 * Read-only queries of `boomerang model backtest`: each customer's purchase history up to a
 * calibration cut and what they bought in the holdout period after it. Purchase days follow the
 * one rule of src/db/indicators.ts (UTC days; orders of one day are one purchase; orders placed
 * before the cut belong to calibration).
 */
import { sql } from 'kysely';
import type { BacktestCustomer } from '../domain/indicators/backtest.js';
import type { Executor } from './database.js';
import { lastObservedDaySql, purchaseDaySql } from './indicators.js';

/**
 * One contact's calibration summary (days), as the recompute would compute it as of the cut, and
 * its holdout: distinct purchase days and the sum of paid order totals in [cut, holdoutEnd).
 */
export interface CalibrationHoldoutRow extends BacktestCustomer {
  readonly contactId: number;
}

/**
 * Every contact with a paid order before `cut`, with their calibration summary and holdout
 * purchases (paid orders in [cut, holdoutEnd)), ordered by contact id. Writes nothing.
 */
export async function calibrationAndHoldout(
  db: Executor,
  cut: Date,
  holdoutEnd: Date,
): Promise<CalibrationHoldoutRow[]> {
  const { rows } = await sql<{
    contact_id: string;
    frequency: number;
    recency: number;
    age: number;
    monetary_value: number;
    holdout_purchases: number;
    holdout_value: number;
  }>`
    WITH daily AS (
      SELECT contact_id, ${purchaseDaySql} AS day, placed_at < ${cut} AS calibration,
             sum(total)::float8 AS amount
      FROM orders
      WHERE status = 'paid' AND placed_at < ${holdoutEnd}
      GROUP BY 1, 2, 3
    )
    SELECT contact_id,
           count(*) FILTER (WHERE calibration)::int - 1 AS frequency,
           (max(day) FILTER (WHERE calibration) - min(day) FILTER (WHERE calibration))::float8 AS recency,
           (${lastObservedDaySql(cut)} - min(day) FILTER (WHERE calibration))::float8 AS age,
           coalesce((sum(amount) FILTER (WHERE calibration)
                     - (array_agg(amount ORDER BY day) FILTER (WHERE calibration))[1])
                    / nullif(count(*) FILTER (WHERE calibration) - 1, 0), 0)::float8 AS monetary_value,
           count(*) FILTER (WHERE NOT calibration)::int AS holdout_purchases,
           coalesce(sum(amount) FILTER (WHERE NOT calibration), 0)::float8 AS holdout_value
    FROM daily
    GROUP BY contact_id
    HAVING bool_or(calibration)
    ORDER BY contact_id`.execute(db);
  return rows.map((r) => ({
    contactId: Number(r.contact_id),
    frequency: Number(r.frequency),
    recency: Number(r.recency),
    T: Number(r.age),
    monetaryValue: Number(r.monetary_value),
    holdoutPurchases: Number(r.holdout_purchases),
    holdoutValue: Number(r.holdout_value),
  }));
}

/**
 * The instant the shop's data is current to: the as-of of the last recompute of the indicators
 * (`boomerang indicators recompute --as-of …` on historical data), else the last paid order's.
 */
export async function dataAsOf(
  db: Executor,
): Promise<{ asOf: Date; source: 'recompute' | 'last order' } | undefined> {
  const { rows } = await sql<{ recomputed: Date | null; last_order: Date | null }>`
    SELECT (SELECT max(computed_at) FROM contact_indicators) AS recomputed,
           (SELECT max(placed_at) FROM orders WHERE status = 'paid') AS last_order`.execute(db);
  const row = rows[0];
  if (row?.recomputed) return { asOf: new Date(row.recomputed), source: 'recompute' };
  if (row?.last_order) return { asOf: new Date(row.last_order), source: 'last order' };
  return undefined;
}
