/**
 * The value indicators behind the segments, computed from the shop's orders, set-based:
 *
 *   1. summarize: one SQL statement, one pass over the paid orders in index order, writes each
 *      contact's order summary and R/F/M quintile scores into `contact_summary_staging` (unlogged);
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
 * of the repeat purchase days. Which orders count and what the as-of day is follow the one rule
 * of src/domain/indicators/clv.ts (`summarizeOrders`): orders placed strictly before the as-of
 * instant, and the as-of day is the UTC day of the last instant before it.
 */
import { sql } from 'kysely';
import type { GammaGammaParams } from '../domain/indicators/gamma-gamma.js';
import { RFM_SEGMENT_GRID } from '../domain/indicators/rfm.js';
import { type Db, type Executor } from './database.js';
import { camelCaseKeys } from './rows.js';

/** A purchase's day, as days since 1970-01-01 (UTC): the `purchaseDay` of clv.ts, in SQL. */
export const purchaseDaySql = sql<number>`((placed_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`;

/**
 * The as-of day of an as-of instant, as days since 1970-01-01: the UTC day of the last instant
 * before it (so midnight ends the previous day). Same rule as `lastObservedDay` in clv.ts.
 */
export function lastObservedDaySql(asOf: Date) {
  return sql<number>`(((${asOf}::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date - DATE '1970-01-01')`;
}

/** Segment names indexed by (5 − FM) × 5 + R, FM = ceil((F + M) / 2): the grid as one SQL array. */
const GRID_ARRAY = sql.join(RFM_SEGMENT_GRID.flat().map((name) => sql.lit(name)));

/** The values R, F and M are scored on, and the scores above the lowest. */
type ScoredColumn = 'last_day' | 'frequency' | 'total_spent';
const HIGHER_SCORES = [2, 3, 4, 5] as const;
const threshold = (column: ScoredColumn, score: number) => sql.ref(`${column}_${score}`);

/** For each scored column and score: the least value scoring at least that, from `ranked`. */
function thresholdsSql() {
  return sql.join(
    (['last_day', 'frequency', 'total_spent'] as const).flatMap((column) =>
      HIGHER_SCORES.map(
        (score) =>
          sql`min(${sql.ref(column)}) FILTER (WHERE score >= ${sql.lit(score)}) AS ${threshold(column, score)}`,
      ),
    ),
  );
}

/** A contact's (p) score on `column`: 1, plus 1 for each threshold (t) its value reaches. */
function scoreSql(column: ScoredColumn) {
  const reached = HIGHER_SCORES.map(
    (score) => sql`((p.${sql.ref(column)} >= t.${threshold(column, score)}) IS TRUE)::int`,
  );
  return sql`(1 + ${sql.join(reached, sql` + `)})`;
}

/**
 * Each contact's order summary and RFM scores as of `asOf`.
 *
 * One pass over the orders: the (contact, placed_at) index, which carries status and total,
 * gives the paid orders in contact-and-time order, so the day totals and the per-contact
 * aggregate stream from it (each contact's few orders sorted by day); nothing sorts or hashes
 * all orders.
 */
function summaryQuery(asOf: Date) {
  return sql`
    WITH daily AS (
      -- Days since 1970-01-01 (UTC) as an integer: date arithmetic, not numeric epoch division.
      SELECT contact_id,
             ${purchaseDaySql} AS day,
             sum(total) AS amount,
             count(*) AS orders
      FROM orders
      WHERE status = 'paid' AND placed_at < ${asOf}
      GROUP BY 1, 2
    ), per_contact AS MATERIALIZED (
      SELECT contact_id,
             sum(orders)::int AS orders_count,
             sum(amount)::numeric(14, 2) AS total_spent,
             min(day) AS first_day,
             max(day) AS last_day,
             count(*)::int - 1 AS frequency,
             coalesce((sum(amount) - (array_agg(amount ORDER BY day))[1]) / nullif(count(*) - 1, 0), 0)::float8 AS monetary_value
      FROM daily
      GROUP BY contact_id
    ),
    -- How many contacts hold each distinct last day, frequency and total, in one pass; g tells
    -- the three apart.
    counts AS (
      SELECT GROUPING(last_day, frequency, total_spent) AS g, last_day, frequency, total_spent,
             count(*) AS c
      FROM per_contact
      GROUP BY GROUPING SETS ((last_day), (frequency), (total_spent))
    ),
    -- Each distinct value's score from the positions of its tie group: le contacts hold at most
    -- it, lo = le − c less; 1 + floor(5·((lo + le)/2)/n) in integers (non-negatives: / floors).
    ranked AS (
      SELECT last_day, frequency, total_spent,
             1 + 5 * (2 * (sum(c) OVER w)::bigint - c) / (2 * (sum(c) OVER (PARTITION BY g))::bigint) AS score
      FROM counts
      WINDOW w AS (PARTITION BY g ORDER BY last_day, frequency, total_spent)
    ),
    -- A score never falls as its value grows, so each is given by the least value reaching
    -- 2, 3, 4 and 5: four comparisons per contact instead of a join.
    thresholds AS (
      SELECT ${thresholdsSql()}
      FROM ranked
    ), scored AS (
      SELECT p.*, ${scoreSql('last_day')} AS r_score, ${scoreSql('frequency')} AS f_score,
             ${scoreSql('total_spent')} AS m_score
      FROM per_contact p CROSS JOIN thresholds t
    )
    SELECT contact_id::bigint AS contact_id, orders_count, total_spent,
           to_timestamp(first_day::double precision * 86400) AS first_order_at,
           to_timestamp(last_day::double precision * 86400) AS last_order_at,
           frequency,
           (last_day - first_day)::float8 AS recency_days,
           (${lastObservedDaySql(asOf)} - first_day)::float8 AS age_days,
           monetary_value,
           r_score::smallint AS r_score, f_score::smallint AS f_score, m_score::smallint AS m_score,
           (ARRAY[${GRID_ARRAY}])[(5 - ceil((f_score + m_score) / 2.0)::int) * 5 + r_score] AS rfm_segment
    FROM scored`;
}

/**
 * Step 1: every contact's order summary and RFM scores, into the staging table. Returns the
 * number of contacts with a paid order.
 *
 * Quintile scores use the same tie rule as src/domain/indicators/rfm.ts `quintileScores`:
 * a value held by positions lo…hi (worst first) of n scores 1 + floor(5·((lo + hi + 1)/2)/n).
 */
export async function summarizeContacts(db: Db, asOf: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // The contacts' summaries (read twice) and the counts of their values stay in memory.
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    await sql`DROP TABLE IF EXISTS contact_summary_staging`.execute(trx);
    await sql`CREATE UNLOGGED TABLE contact_summary_staging AS ${summaryQuery(asOf)}`.execute(trx);
    // The model grid: one row per distinct purchase history, outputs filled in by computeModelGrid.
    await sql`TRUNCATE indicator_model_grid, indicator_model_outputs`.execute(trx);
    // In key order: each row goes to the primary key's last page, not to a random one.
    await sql`INSERT INTO indicator_model_grid (frequency, recency_days, age_days)
      SELECT DISTINCT frequency, recency_days, age_days FROM contact_summary_staging
      ORDER BY 1, 2, 3`.execute(trx);
    await sql`ANALYZE contact_summary_staging`.execute(trx);
    const { rows } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM contact_summary_staging`.execute(trx);
    return Number(rows[0]!.n);
  });
}

/** The plan of step 1's statement (run, with `analyze`: it then costs what step 1 does). */
export async function explainSummary(db: Db, asOf: Date, analyze: boolean): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${sql.raw(
      analyze ? '(ANALYZE, BUFFERS)' : '',
    )} ${summaryQuery(asOf)}`.execute(trx);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

/**
 * Above this many customers the models are fitted on a uniform, repeatable sample of this size:
 * the estimates' standard errors are then already far below what separates shops, and the fit
 * stays seconds long whatever the shop's size.
 */
export const FIT_SAMPLE_SIZE = 250_000;

/** The staging table, or a repeatable Bernoulli sample of about `FIT_SAMPLE_SIZE` customers. */
async function fitSource(
  db: Executor,
): Promise<{ from: ReturnType<typeof sql>; sampled: boolean }> {
  const { rows } = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM contact_summary_staging`.execute(db);
  const n = Number(rows[0]!.n);
  if (n <= FIT_SAMPLE_SIZE) return { from: sql`contact_summary_staging`, sampled: false };
  const percent = (100 * FIT_SAMPLE_SIZE) / n;
  return {
    from: sql`contact_summary_staging TABLESAMPLE BERNOULLI (${sql.lit(percent)}) REPEATABLE (42)`,
    sampled: true,
  };
}

/** Distinct (frequency, recency, T) with their counts: the BG/NBD likelihood needs nothing more. */
export async function bgNbdFitRows(
  db: Executor,
): Promise<{ frequency: number; recency: number; age: number; weight: number }[]> {
  const { from } = await fitSource(db);
  const { rows } = await sql<{ frequency: number; recency: number; age: number; weight: number }>`
    SELECT frequency, recency_days AS recency, age_days AS age, count(*)::int AS weight
    FROM ${from} WHERE age_days > 0 GROUP BY 1, 2, 3`.execute(db);
  return rows.map((r) => ({
    frequency: Number(r.frequency),
    recency: Number(r.recency),
    age: Number(r.age),
    weight: Number(r.weight),
  }));
}

/** (repeat purchases, mean repeat order value) of the repeat buyers, for the Gamma-Gamma fit. */
export async function gammaGammaFitRows(
  db: Executor,
): Promise<{ frequency: number; monetary: number }[]> {
  const { from } = await fitSource(db);
  const { rows } = await sql<{ frequency: number; monetary: number }>`
    SELECT frequency, monetary_value AS monetary FROM ${from} WHERE frequency > 0 AND monetary_value > 0`.execute(
    db,
  );
  return rows.map((r) => ({ frequency: Number(r.frequency), monetary: Number(r.monetary) }));
}

export async function saveModelFit(
  db: Executor,
  fit: {
    model: 'bgnbd' | 'gamma_gamma';
    parameters: Record<string, number>;
    sampleSize: number;
    logLikelihood: number | null;
    converged: boolean;
  },
): Promise<number> {
  const row = await db
    .insertInto('model_fits')
    .values({
      model: fit.model,
      parameters: JSON.stringify(fit.parameters),
      sample_size: fit.sampleSize,
      log_likelihood: fit.logLikelihood,
      converged: fit.converged,
      time_unit: 'days',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface HistoryTriple {
  frequency: number;
  recency: number;
  age: number;
}

/** Keyset order of the grid: a cursor is the last triple done. */
export async function distinctTriplesPage(
  db: Executor,
  after: HistoryTriple | null,
  limit: number,
): Promise<HistoryTriple[]> {
  const after_ = after ?? { frequency: -1, recency: -1, age: -1 };
  // Keyset paging on the grid's primary key: each page is an index range scan.
  const result = await sql<{ frequency: number; recency_days: number; age_days: number }>`
    SELECT frequency, recency_days, age_days FROM indicator_model_grid
    WHERE (frequency, recency_days, age_days) > (${after_.frequency}, ${after_.recency}, ${after_.age})
    ORDER BY frequency, recency_days, age_days
    LIMIT ${limit}`.execute(db);
  return result.rows.map((r) => ({
    frequency: Number(r.frequency),
    recency: Number(r.recency_days),
    age: Number(r.age_days),
  }));
}

/** A contact whose summary has this history (to name one in an error), or null. */
export async function contactWithHistory(
  db: Executor,
  history: HistoryTriple,
): Promise<number | null> {
  const result = await sql<{ contact_id: string }>`
    SELECT contact_id FROM contact_summary_staging
    WHERE frequency = ${history.frequency} AND recency_days = ${history.recency} AND age_days = ${history.age}
    ORDER BY contact_id LIMIT 1`.execute(db);
  const row = result.rows[0];
  return row ? Number(row.contact_id) : null;
}

export interface GridRow extends HistoryTriple {
  probabilityAlive: number | null;
  forecastPurchases: number | null;
}

/** Appends BG/NBD outputs for a batch of grid rows (an unindexed append: the cheapest write). */
export async function writeModelGrid(db: Executor, rows: GridRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO indicator_model_outputs (frequency, recency_days, age_days, probability_alive, forecast_purchases)
    SELECT * FROM unnest(
      ${rows.map((r) => r.frequency)}::int[],
      ${rows.map((r) => r.recency)}::double precision[],
      ${rows.map((r) => r.age)}::double precision[],
      ${rows.map((r) => r.probabilityAlive)}::double precision[],
      ${rows.map((r) => r.forecastPurchases)}::double precision[])`.execute(db);
}

/**
 * Before resuming after `cursor` (or starting, with null), drops outputs a lost attempt may have
 * written past it, so that every grid row ends up with exactly one output row.
 */
export async function discardModelOutputsAfter(
  db: Executor,
  cursor: HistoryTriple | null,
): Promise<void> {
  const c = cursor ?? { frequency: -1, recency: -1, age: -1 };
  await sql`DELETE FROM indicator_model_outputs WHERE (frequency, recency_days, age_days) > (${c.frequency}, ${c.recency}, ${c.age})`.execute(
    db,
  );
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
export async function publishIndicators(
  db: Db,
  asOf: Date,
  models: PublishModels,
): Promise<number> {
  const gg = models.gammaGamma?.params;
  const expectedOrderValue = gg
    ? sql`CASE WHEN ${gg.p}::float8 * s.frequency + ${gg.q}::float8 - 1 > 0
             THEN ${gg.p}::float8 * (${gg.v}::float8 + CASE WHEN s.frequency > 0 THEN s.frequency * s.monetary_value ELSE 0 END)
                  / (${gg.p}::float8 * s.frequency + ${gg.q}::float8 - 1) END`
    : sql`NULL::float8`;
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    await sql`DROP TABLE IF EXISTS contact_indicators_next`.execute(trx);
    await sql`CREATE TABLE contact_indicators_next (LIKE contact_indicators INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`.execute(
      trx,
    );
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
      LEFT JOIN indicator_model_outputs g USING (frequency, recency_days, age_days)
      CROSS JOIN LATERAL (SELECT ${expectedOrderValue} AS value) e`.execute(trx);
    await sql`ALTER TABLE contact_indicators_next ADD PRIMARY KEY (contact_id)`.execute(trx);
    await sql`DROP TABLE contact_indicators`.execute(trx);
    await sql`ALTER TABLE contact_indicators_next RENAME TO contact_indicators`.execute(trx);
    await sql`ALTER INDEX contact_indicators_next_pkey RENAME TO contact_indicators_pkey`.execute(
      trx,
    );
    return Number(inserted.numAffectedRows ?? 0);
  });
}

export async function countDistinctTriples(db: Executor): Promise<number> {
  const result = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM indicator_model_grid`.execute(db);
  return Number(result.rows[0]!.n);
}

/** A contact's value indicators from the last recompute, if it has any. */
export async function indicatorsOfContact(db: Executor, contactId: number) {
  const row = await db
    .selectFrom('contact_indicators')
    .selectAll()
    .where('contact_id', '=', contactId)
    .executeTakeFirst();
  return row ? camelCaseKeys(row) : undefined;
}
