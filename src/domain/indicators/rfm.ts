/**
 * RFM scoring and segmentation.
 *
 * Scores: each of recency, frequency and monetary value is scored 1–5 by quintile of the customer
 * base (5 = best). For recency, more recent (fewer days since the last order) scores higher.
 * Quintiles are relative: scores describe a customer's rank in this base, not absolute levels.
 *
 * Ties: every customer with the same value gets the same score, the score of the tie group's
 * middle. Precisely, with n customers sorted from worst to best (positions 0 … n−1), a value held
 * by the customers at positions lo … hi occupies [lo, hi + 1) of [0, n), and gets
 *     score = 1 + floor(5 · ((lo + hi + 1) / 2) / n)
 * so with distinct values the worst fifth scores 1 and the best fifth 5 (exactly, when n is a
 * multiple of 5), a large tie group lands in the quintile of its middle, and a base where everyone
 * has the same value scores 3 throughout. The result does not depend on the input order.
 *
 * Segments: the widely used grid of the recency score against the average of the frequency and
 * monetary scores, FM = ceil((F + M) / 2) (a .5 average rounds up):
 *
 * | FM \ R | 1               | 2               | 3              | 4                  | 5                  |
 * |--------|-----------------|-----------------|----------------|--------------------|--------------------|
 * | 5      | Can't Lose Them | Can't Lose Them | Loyal          | Loyal              | Champions          |
 * | 4      | At Risk         | At Risk         | Loyal          | Loyal              | Champions          |
 * | 3      | At Risk         | At Risk         | Need Attention | Potential Loyalist | Potential Loyalist |
 * | 2      | Hibernating     | Hibernating     | About To Sleep | Potential Loyalist | Potential Loyalist |
 * | 1      | Lost            | Hibernating     | About To Sleep | Promising          | New Customers      |
 *
 * This is the common ten-segment R-by-F map (Champions 5[4-5], Loyal [3-4][4-5], Potential
 * Loyalist [4-5][2-3], New Customers 51, Promising 41, Need Attention 33, About To Sleep 3[1-2],
 * At Risk [1-2][3-4], Can't Lose Them [1-2]5, Hibernating [1-2][1-2]) read with FM in place of F,
 * and with the bottom-left cell (R = 1, FM = 1: lowest on every score) split off as Lost.
 * `RFM_SEGMENT_GRID` below is the same table as data.
 */

export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalist',
  'New Customers',
  'Promising',
  'Need Attention',
  'About To Sleep',
  'At Risk',
  "Can't Lose Them",
  'Hibernating',
  'Lost',
] as const;

export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export type RfmScore = 1 | 2 | 3 | 4 | 5;

/**
 * The segment table: `RFM_SEGMENT_GRID[5 − fm][r − 1]`, i.e. rows from FM = 5 (top) down to
 * FM = 1, columns R = 1 … 5, exactly as in the table in this module's comment.
 */
export const RFM_SEGMENT_GRID: readonly (readonly RfmSegment[])[] = [
  ["Can't Lose Them", "Can't Lose Them", 'Loyal', 'Loyal', 'Champions'],
  ['At Risk', 'At Risk', 'Loyal', 'Loyal', 'Champions'],
  ['At Risk', 'At Risk', 'Need Attention', 'Potential Loyalist', 'Potential Loyalist'],
  ['Hibernating', 'Hibernating', 'About To Sleep', 'Potential Loyalist', 'Potential Loyalist'],
  ['Lost', 'Hibernating', 'About To Sleep', 'Promising', 'New Customers'],
];

/** The grid as a Markdown table (FM rows 5 → 1, R columns 1 → 5), e.g. for the README. */
export function rfmSegmentGridMarkdown(): string {
  const lines = ['| FM \\ R | 1 | 2 | 3 | 4 | 5 |', '|---|---|---|---|---|---|'];
  RFM_SEGMENT_GRID.forEach((row, i) => lines.push(`| ${5 - i} | ${row.join(' | ')} |`));
  return lines.join('\n');
}

/** FM = ceil((F + M) / 2). */
export function fmScore(f: RfmScore, m: RfmScore): RfmScore {
  return Math.ceil((f + m) / 2) as RfmScore;
}

/** The segment of a customer with these scores. */
export function rfmSegment(r: RfmScore, f: RfmScore, m: RfmScore): RfmSegment {
  for (const s of [r, f, m]) {
    if (!(Number.isInteger(s) && s >= 1 && s <= 5))
      throw new RangeError(`RFM scores must be 1–5 (got ${s})`);
  }
  return RFM_SEGMENT_GRID[5 - fmScore(f, m)]![r - 1]!;
}

/**
 * Quintile scores 1–5 of `values`, higher values scoring higher (pass negated values, or use
 * `higherIsBetter = false`, for "lower is better"). Ties share a score, see the module comment.
 * O(n log n); throws on NaN.
 */
export function quintileScores(values: ArrayLike<number>, higherIsBetter = true): Uint8Array {
  const n = values.length;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) throw new RangeError(`quintileScores: value ${i} is NaN`);
    sorted[i] = higherIsBetter ? v : -v;
  }
  sorted.sort();
  const scores = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = higherIsBetter ? values[i]! : -values[i]!;
    // The ranks v's ties share: lo..hi.
    const lo = countBelow(sorted, v, false);
    const hi = countBelow(sorted, v, true) - 1;
    scores[i] = 1 + Math.floor((5 * ((lo + hi + 1) / 2)) / n);
  }
  return scores;
}

/** How many of `sorted` are below `v` or, `orEqual`, at most `v` (a binary search). */
function countBelow(sorted: Float64Array, v: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v || (orEqual && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface RfmInput {
  /**
   * Days since the last order; lower is better. (Not the BG/NBD "recency", which runs from the
   * first order to the last: from a CustomerSummary this is T − recency.)
   */
  readonly daysSinceLastOrder: number;
  /** Number of orders (or repeat purchases: scores depend only on the ordering). */
  readonly frequency: number;
  /** Monetary value (total or average spend; the same measure for every customer). */
  readonly monetary: number;
}

export interface RfmResult {
  readonly r: RfmScore;
  readonly f: RfmScore;
  readonly m: RfmScore;
  readonly segment: RfmSegment;
}

/** Score a whole customer base and assign segments, in input order. */
export function scoreRfm(customers: readonly RfmInput[]): RfmResult[] {
  const r = quintileScores(
    customers.map((c) => c.daysSinceLastOrder),
    false,
  );
  const f = quintileScores(customers.map((c) => c.frequency));
  const m = quintileScores(customers.map((c) => c.monetary));
  return customers.map((_, i) => {
    const rs = r[i]! as RfmScore;
    const fs = f[i]! as RfmScore;
    const ms = m[i]! as RfmScore;
    return { r: rs, f: fs, m: ms, segment: rfmSegment(rs, fs, ms) };
  });
}
