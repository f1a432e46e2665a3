/**
 * The value indicators behind the segments, computed from the shop's orders.
 *
 * Set-based where the work is a scan (per-contact summaries and R/F/M quintiles are one SQL
 * statement over all paid orders), row-based where it is arithmetic (the BG/NBD and Gamma-Gamma
 * expectations, computed in TypeScript on keyset-paged batches).
 *
 * Time is in whole UTC days, as in lifetimes' summary_data_from_transaction_data: orders of the
 * same day count as one purchase (their totals summed); frequency = purchase days − 1; recency =
 * last − first purchase day; age T = as-of day − first purchase day; monetary value = mean total
 * of the repeat purchase days.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { RFM_SEGMENT_GRID } from '../domain/indicators/rfm.js';
import type { Database } from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Segment names indexed by (5 − FM) × 5 + R, FM = ceil((F + M) / 2): the grid as one SQL array. */
const GRID_ARRAY = sql.join(RFM_SEGMENT_GRID.flat().map((name) => sql.lit(name)));

/**
 * Recomputes every contact's order summary and RFM scores in one statement, and removes the
 * indicators of contacts without a paid order (all refunded, say). Returns the number of contacts.
 *
 * Quintile scores use the same tie rule as src/domain/indicators/rfm.ts `quintileScores`:
 * a value held by positions lo…hi (worst first) of n scores 1 + floor(5·((lo + hi + 1)/2)/n).
 */
export async function summarizeContacts(db: Executor, asOf: Date): Promise<number> {
  const result = await sql`
    WITH daily AS (
      SELECT contact_id,
             floor(extract(epoch FROM placed_at) / 86400)::int AS day,
             sum(total) AS amount,
             count(*) AS orders
      FROM orders
      WHERE status = 'paid' AND placed_at <= ${asOf}
      GROUP BY 1, 2
    ), per_contact AS (
      SELECT contact_id,
             sum(orders)::int AS orders_count,
             sum(amount) AS total_spent,
             min(day) AS first_day,
             max(day) AS last_day,
             count(*)::int - 1 AS frequency,
             coalesce((sum(amount) - (array_agg(amount ORDER BY day))[1]) / nullif(count(*) - 1, 0), 0) AS monetary_value
      FROM daily
      GROUP BY contact_id
    ), ranked AS (
      SELECT p.*,
             floor(extract(epoch FROM ${asOf}::timestamptz) / 86400)::int - p.last_day AS days_since_last,
             count(*) OVER () AS n,
             rank() OVER (ORDER BY p.last_day) - 1 AS r_lo,
             count(*) OVER (ORDER BY p.last_day RANGE UNBOUNDED PRECEDING) AS r_le,
             rank() OVER (ORDER BY p.frequency) - 1 AS f_lo,
             count(*) OVER (ORDER BY p.frequency RANGE UNBOUNDED PRECEDING) AS f_le,
             rank() OVER (ORDER BY p.total_spent) - 1 AS m_lo,
             count(*) OVER (ORDER BY p.total_spent RANGE UNBOUNDED PRECEDING) AS m_le
      FROM per_contact p
    ), scored AS (
      SELECT r.*,
             (1 + floor(5.0 * (r_lo + r_le) / (2 * n)))::smallint AS r_score,
             (1 + floor(5.0 * (f_lo + f_le) / (2 * n)))::smallint AS f_score,
             (1 + floor(5.0 * (m_lo + m_le) / (2 * n)))::smallint AS m_score
      FROM ranked r
    )
    INSERT INTO contact_indicators (
      contact_id, orders_count, total_spent, first_order_at, last_order_at,
      frequency, recency_days, age_days, monetary_value,
      r_score, f_score, m_score, rfm_segment, computed_at)
    SELECT contact_id, orders_count, total_spent,
           to_timestamp(first_day::double precision * 86400), to_timestamp(last_day::double precision * 86400),
           frequency, last_day - first_day,
           floor(extract(epoch FROM ${asOf}::timestamptz) / 86400)::int - first_day,
           monetary_value,
           least(r_score, 5), least(f_score, 5), least(m_score, 5),
           (ARRAY[${GRID_ARRAY}])[(5 - ceil((least(f_score, 5) + least(m_score, 5)) / 2.0)::int) * 5 + least(r_score, 5)],
           ${asOf}
    FROM scored
    ON CONFLICT (contact_id) DO UPDATE SET
      orders_count = excluded.orders_count, total_spent = excluded.total_spent,
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at,
      frequency = excluded.frequency, recency_days = excluded.recency_days, age_days = excluded.age_days,
      monetary_value = excluded.monetary_value,
      r_score = excluded.r_score, f_score = excluded.f_score, m_score = excluded.m_score,
      rfm_segment = excluded.rfm_segment, computed_at = excluded.computed_at`.execute(db);
  await db.deleteFrom('contact_indicators').where('computed_at', '<>', asOf).execute();
  return Number(result.numAffectedRows ?? 0);
}

/** Distinct (frequency, recency, T) with their counts: the BG/NBD likelihood needs nothing more. */
export async function bgNbdFitRows(db: Executor): Promise<{ frequency: number; recency: number; age: number; weight: number }[]> {
  const rows = await db
    .selectFrom('contact_indicators')
    .select((eb) => ['frequency', 'recency_days as recency', 'age_days as age', eb.fn.countAll<number>().as('weight')])
    .where('age_days', '>', 0)
    .groupBy(['frequency', 'recency_days', 'age_days'])
    .execute();
  return rows.map((r) => ({ frequency: Number(r.frequency), recency: Number(r.recency), age: Number(r.age), weight: Number(r.weight) }));
}

/** (repeat purchases, mean repeat order value) of the repeat buyers, for the Gamma-Gamma fit. */
export async function gammaGammaFitRows(db: Executor): Promise<{ frequency: number; monetary: number }[]> {
  const rows = await db
    .selectFrom('contact_indicators')
    .select(['frequency', 'monetary_value as monetary'])
    .where('frequency', '>', 0)
    .where('monetary_value', '>', 0)
    .execute();
  return rows.map((r) => ({ frequency: Number(r.frequency), monetary: Number(r.monetary) }));
}

export async function saveModelFit(
  db: Executor,
  fit: { model: 'bgnbd' | 'gamma_gamma'; parameters: Record<string, number>; sampleSize: number; logLikelihood: number | null; converged: boolean },
): Promise<number> {
  const row = await db
    .insertInto('model_fits')
    .values({ model: fit.model, parameters: JSON.stringify(fit.parameters), sample_size: fit.sampleSize, log_likelihood: fit.logLikelihood, converged: fit.converged, time_unit: 'days' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function latestModelFit(db: Executor, model: 'bgnbd' | 'gamma_gamma') {
  return db.selectFrom('model_fits').selectAll().where('model', '=', model).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export interface IndicatorInput {
  contactId: number;
  frequency: number;
  recency: number;
  age: number;
  monetary: number;
}

/** The next page of model inputs after a contact id (keyset paging: constant cost per page). */
export async function indicatorInputsPage(db: Executor, afterContactId: number, limit: number): Promise<IndicatorInput[]> {
  const rows = await db
    .selectFrom('contact_indicators')
    .select(['contact_id', 'frequency', 'recency_days', 'age_days', 'monetary_value'])
    .where('contact_id', '>', afterContactId)
    .orderBy('contact_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ contactId: r.contact_id, frequency: r.frequency, recency: r.recency_days, age: r.age_days, monetary: r.monetary_value }));
}

export interface ModelIndicators {
  contactId: number;
  probabilityAlive: number;
  forecastPurchases: number;
  expectedOrderValue: number | null;
  clv: number | null;
}

/** Writes one batch of model outputs with a single UPDATE … FROM unnest(…). */
export async function writeModelIndicators(db: Executor, rows: ModelIndicators[], fits: { bgnbd: number; gammaGamma: number | null }): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE contact_indicators AS ci SET
      probability_alive = v.alive,
      forecast_purchases_12m = v.purchases,
      expected_order_value = v.order_value,
      clv_12m = v.clv,
      bgnbd_fit_id = ${fits.bgnbd},
      gamma_gamma_fit_id = ${fits.gammaGamma}
    FROM unnest(
      ${rows.map((r) => r.contactId)}::bigint[],
      ${rows.map((r) => r.probabilityAlive)}::double precision[],
      ${rows.map((r) => r.forecastPurchases)}::double precision[],
      ${rows.map((r) => r.expectedOrderValue)}::double precision[],
      ${rows.map((r) => r.clv)}::double precision[]
    ) AS v(contact_id, alive, purchases, order_value, clv)
    WHERE ci.contact_id = v.contact_id`.execute(db);
}

export async function countIndicators(db: Executor): Promise<number> {
  const row = await db.selectFrom('contact_indicators').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
