/**
 * The value indicators behind the segments, computed from the shop's orders, set-based:
 *
 *   1. summarize: one SQL statement over all paid orders writes each contact's order summary and
 *      R/F/M quintile scores into `contact_summary_staging` (unlogged);
 *   2. the models are fitted on the distinct (frequency, recency, age) rows with their counts;
 *   3. BG/NBD outputs (probability alive, forecast purchases) are computed in TypeScript once per
 *      DISTINCT (x, t_x, T), in keyset-paged batches, into `indicator_model_grid`: whole days
 *      repeat a lot, so this is far fewer rows than contacts;
 *   4. publish: a new `contact_indicators` is built in one INSERT … SELECT (staging ⨝ grid, with
 *      Gamma-Gamma's closed-form expectation in SQL), indexed, and swapped in atomically.
 *
 * Time is in whole UTC days, as in lifetimes' summary_data_from_transaction_data: orders of the
 * same day count as one purchase (their totals summed); frequency = purchase days − 1; recency =
 * last − first purchase day; age T = as-of day − first purchase day; monetary value = mean total
 * of the repeat purchase days.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BgNbdParams } from '../domain/indicators/bgnbd.js';
import type { GammaGammaParams } from '../domain/indicators/gamma-gamma.js';
import { RFM_SEGMENT_GRID } from '../domain/indicators/rfm.js';
import type { Database } from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Segment names indexed by (5 − FM) × 5 + R, FM = ceil((F + M) / 2): the grid as one SQL array. */
const GRID_ARRAY = sql.join(RFM_SEGMENT_GRID.flat().map((name) => sql.lit(name)));

/**
 * Step 1: every contact's order summary and RFM scores, into the staging table. Returns the
 * number of contacts with a paid order.
 *
 * Quintile scores use the same tie rule as src/domain/indicators/rfm.ts `quintileScores`:
 * a value held by positions lo…hi (worst first) of n scores 1 + floor(5·((lo + hi + 1)/2)/n).
 */
export async function summarizeContacts(db: Executor, asOf: Date): Promise<number> {
  await sql`TRUNCATE contact_summary_staging, indicator_model_grid`.execute(db);
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
             (1 + floor(5.0 * (r_lo + r_le) / (2 * n)))::int AS r_score,
             (1 + floor(5.0 * (f_lo + f_le) / (2 * n)))::int AS f_score,
             (1 + floor(5.0 * (m_lo + m_le) / (2 * n)))::int AS m_score
      FROM ranked r
    )
    INSERT INTO contact_summary_staging (
      contact_id, orders_count, total_spent, first_order_at, last_order_at,
      frequency, recency_days, age_days, monetary_value, r_score, f_score, m_score, rfm_segment)
    SELECT contact_id, orders_count, total_spent,
           to_timestamp(first_day::double precision * 86400), to_timestamp(last_day::double precision * 86400),
           frequency, last_day - first_day,
           floor(extract(epoch FROM ${asOf}::timestamptz) / 86400)::int - first_day,
           monetary_value, r_score, f_score, m_score,
           (ARRAY[${GRID_ARRAY}])[(5 - ceil((f_score + m_score) / 2.0)::int) * 5 + r_score]
    FROM scored`.execute(db);
  await sql`ANALYZE contact_summary_staging`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Distinct (frequency, recency, T) with their counts: the BG/NBD likelihood needs nothing more. */
export async function bgNbdFitRows(db: Executor): Promise<{ frequency: number; recency: number; age: number; weight: number }[]> {
  const rows = await db
    .selectFrom('contact_summary_staging')
    .select((eb) => ['frequency', 'recency_days as recency', 'age_days as age', eb.fn.countAll<number>().as('weight')])
    .where('age_days', '>', 0)
    .groupBy(['frequency', 'recency_days', 'age_days'])
    .execute();
  return rows.map((r) => ({ frequency: Number(r.frequency), recency: Number(r.recency), age: Number(r.age), weight: Number(r.weight) }));
}

/** (repeat purchases, mean repeat order value) of the repeat buyers, for the Gamma-Gamma fit. */
export async function gammaGammaFitRows(db: Executor): Promise<{ frequency: number; monetary: number }[]> {
  const rows = await db
    .selectFrom('contact_summary_staging')
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

export interface HistoryTriple {
  frequency: number;
  recency: number;
  age: number;
}

/** Keyset order of the grid: a cursor is the last triple done. */
export async function distinctTriplesPage(db: Executor, after: HistoryTriple | null, limit: number): Promise<HistoryTriple[]> {
  const after_ = after ?? { frequency: -1, recency: -1, age: -1 };
  const result = await sql<{ frequency: number; recency_days: number; age_days: number }>`
    SELECT DISTINCT frequency, recency_days, age_days FROM contact_summary_staging
    WHERE (frequency, recency_days, age_days) > (${after_.frequency}, ${after_.recency}, ${after_.age})
    ORDER BY frequency, recency_days, age_days
    LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => ({ frequency: Number(r.frequency), recency: Number(r.recency_days), age: Number(r.age_days) }));
}

export interface GridRow extends HistoryTriple {
  probabilityAlive: number | null;
  forecastPurchases: number | null;
}

/** Writes BG/NBD outputs for a batch of triples (idempotent: a resumed batch overwrites itself). */
export async function writeModelGrid(db: Executor, rows: GridRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO indicator_model_grid (frequency, recency_days, age_days, probability_alive, forecast_purchases)
    SELECT * FROM unnest(
      ${rows.map((r) => r.frequency)}::int[],
      ${rows.map((r) => r.recency)}::double precision[],
      ${rows.map((r) => r.age)}::double precision[],
      ${rows.map((r) => r.probabilityAlive)}::double precision[],
      ${rows.map((r) => r.forecastPurchases)}::double precision[])
    ON CONFLICT (frequency, recency_days, age_days) DO UPDATE SET
      probability_alive = excluded.probability_alive, forecast_purchases = excluded.forecast_purchases`.execute(db);
}

export interface PublishModels {
  bgnbdFitId: number | null;
  gammaGamma: { fitId: number; params: GammaGammaParams } | null;
}

/**
 * Step 4: builds the new contact_indicators from staging and grid, and swaps it in atomically.
 * Contacts without a paid order have no row. Expected order value is Gamma-Gamma's conditional
 * expectation p(v + x·m)/(px + q − 1) (the population mean when x = 0); CLV = forecast × it.
 */
export async function publishIndicators(db: Kysely<Database>, asOf: Date, models: PublishModels): Promise<number> {
  const gg = models.gammaGamma?.params;
  const expectedOrderValue = gg
    ? sql`CASE WHEN ${gg.p}::float8 * s.frequency + ${gg.q}::float8 - 1 > 0
             THEN ${gg.p}::float8 * (${gg.v}::float8 + CASE WHEN s.frequency > 0 THEN s.frequency * s.monetary_value ELSE 0 END)
                  / (${gg.p}::float8 * s.frequency + ${gg.q}::float8 - 1) END`
    : sql`NULL::float8`;
  return db.transaction().execute(async (trx) => {
    await sql`DROP TABLE IF EXISTS contact_indicators_next`.execute(trx);
    await sql`CREATE TABLE contact_indicators_next (LIKE contact_indicators INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(trx);
    const inserted = await sql`
      INSERT INTO contact_indicators_next (
        contact_id, orders_count, total_spent, first_order_at, last_order_at,
        frequency, recency_days, age_days, monetary_value, r_score, f_score, m_score, rfm_segment,
        probability_alive, forecast_purchases_12m, expected_order_value, clv_12m,
        bgnbd_fit_id, gamma_gamma_fit_id, computed_at)
      SELECT s.contact_id, s.orders_count, s.total_spent, s.first_order_at, s.last_order_at,
             s.frequency, s.recency_days, s.age_days, s.monetary_value, s.r_score, s.f_score, s.m_score, s.rfm_segment,
             g.probability_alive, g.forecast_purchases, e.value, g.forecast_purchases * e.value,
             ${models.bgnbdFitId}::bigint, ${models.gammaGamma?.fitId ?? null}::bigint, ${asOf}::timestamptz
      FROM contact_summary_staging s
      LEFT JOIN indicator_model_grid g USING (frequency, recency_days, age_days)
      CROSS JOIN LATERAL (SELECT ${expectedOrderValue} AS value) e`.execute(trx);
    await sql`ALTER TABLE contact_indicators_next ADD PRIMARY KEY (contact_id)`.execute(trx);
    await sql`DROP TABLE contact_indicators`.execute(trx);
    await sql`ALTER TABLE contact_indicators_next RENAME TO contact_indicators`.execute(trx);
    await sql`ALTER INDEX contact_indicators_next_pkey RENAME TO contact_indicators_pkey`.execute(trx);
    return Number(inserted.numAffectedRows ?? 0);
  });
}

export async function countDistinctTriples(db: Executor): Promise<number> {
  const result = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT DISTINCT frequency, recency_days, age_days FROM contact_summary_staging) t`.execute(db);
  return Number(result.rows[0]!.n);
}

export type { BgNbdParams };
