import { describe, expect, it } from 'vitest';
import {
  fmScore,
  quintileScores,
  RFM_SEGMENT_GRID,
  RFM_SEGMENTS,
  rfmSegment,
  rfmSegmentGridMarkdown,
  scoreRfm,
  type RfmScore,
} from '../../../src/domain/indicators/rfm.js';

describe('quintileScores', () => {
  it('splits distinct values into fifths', () => {
    // n = 10 distinct values: positions 0–1 score 1, 2–3 score 2, …, 8–9 score 5.
    expect([...quintileScores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])]).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
    // Order of the input does not matter.
    expect([...quintileScores([70, 10, 100, 40, 20, 90, 30, 60, 80, 50])]).toEqual([
      4, 1, 5, 2, 1, 5, 2, 3, 4, 3,
    ]);
  });

  it('gives tied values one score, that of the middle of the tie group', () => {
    // Six customers with frequency 1 occupy positions 0–5 of 10, middle 3 → 1 + ⌊5·3/10⌋ = 2.
    // The value 2 sits at position 6, middle 6.5 → 1 + ⌊3.25⌋ = 4; 3 at 7.5 → 4; 4 at 8.5 → 5; 5 → 5.
    expect([...quintileScores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])]).toEqual([
      2, 2, 2, 2, 2, 2, 4, 4, 5, 5,
    ]);
    // Everyone equal: the middle of the whole range, 3.
    expect([...quintileScores([7, 7, 7])]).toEqual([3, 3, 3]);
    // Same value, same score, wherever it appears.
    const scores = quintileScores([3, 9, 3, 1, 9, 3, 5]);
    expect(scores[0]).toBe(scores[2]);
    expect(scores[2]).toBe(scores[5]);
    expect(scores[1]).toBe(scores[4]);
  });

  it('scores "lower is better" (recency in days) in reverse', () => {
    // Worst to best: 500 (position 0), 50, 30, 5, 1 (position 4); n = 5 → score = position + 1.
    expect([...quintileScores([5, 50, 500, 1, 30], false)]).toEqual([4, 2, 1, 5, 3]);
  });

  it('rejects NaN and handles an empty base', () => {
    expect(() => quintileScores([1, Number.NaN])).toThrow(/NaN/);
    expect(quintileScores([]).length).toBe(0);
  });
});

describe('RFM segments', () => {
  it('exports eleven distinct segment names, each used by the grid', () => {
    expect(RFM_SEGMENTS).toHaveLength(11);
    expect(new Set(RFM_SEGMENTS).size).toBe(11);
    expect(new Set(RFM_SEGMENT_GRID.flat())).toEqual(new Set(RFM_SEGMENTS));
    expect(RFM_SEGMENT_GRID).toHaveLength(5);
    for (const row of RFM_SEGMENT_GRID) expect(row).toHaveLength(5);
  });

  it('FM is the average of F and M, rounded half up', () => {
    expect(fmScore(1, 1)).toBe(1);
    expect(fmScore(1, 2)).toBe(2);
    expect(fmScore(4, 5)).toBe(5);
    expect(fmScore(3, 4)).toBe(4);
    expect(fmScore(2, 5)).toBe(4);
  });

  it('maps scores to segments by the R × FM grid', () => {
    const cases: [RfmScore, RfmScore, RfmScore, string][] = [
      [5, 5, 5, 'Champions'],
      [5, 3, 4, 'Champions'], // FM = ⌈3.5⌉ = 4
      [4, 5, 5, 'Loyal'],
      [3, 4, 4, 'Loyal'],
      [5, 2, 3, 'Potential Loyalist'], // FM 3
      [4, 2, 2, 'Potential Loyalist'],
      [5, 1, 1, 'New Customers'],
      [4, 1, 1, 'Promising'],
      [3, 3, 3, 'Need Attention'],
      [3, 1, 2, 'About To Sleep'], // FM 2
      [3, 1, 1, 'About To Sleep'],
      [2, 4, 3, 'At Risk'], // FM 4
      [1, 3, 3, 'At Risk'],
      [1, 5, 5, "Can't Lose Them"],
      [2, 5, 4, "Can't Lose Them"], // FM 5
      [2, 2, 2, 'Hibernating'],
      [1, 1, 2, 'Hibernating'], // FM 2
      [2, 1, 1, 'Hibernating'],
      [1, 1, 1, 'Lost'],
    ];
    for (const [r, f, m, segment] of cases)
      expect(rfmSegment(r, f, m), `R${r} F${f} M${m}`).toBe(segment);
    // Every (R, F, M) combination lands in the grid cell of (R, FM).
    for (const r of [1, 2, 3, 4, 5] as const) {
      for (const f of [1, 2, 3, 4, 5] as const) {
        for (const m of [1, 2, 3, 4, 5] as const) {
          expect(rfmSegment(r, f, m)).toBe(RFM_SEGMENT_GRID[5 - fmScore(f, m)]![r - 1]);
        }
      }
    }
    expect(() => rfmSegment(0 as RfmScore, 1, 1)).toThrow(/1–5/);
  });

  it('renders the grid as a Markdown table for the README', () => {
    const md = rfmSegmentGridMarkdown();
    expect(md.split('\n')).toHaveLength(7);
    expect(md).toContain("| 5 | Can't Lose Them | Can't Lose Them | Loyal | Loyal | Champions |");
    expect(md).toContain('| 1 | Lost | Hibernating | About To Sleep | Promising | New Customers |');
  });

  it('scores and segments a customer base', () => {
    // Five customers, one per quintile on every dimension, best on everything = customer 0.
    const results = scoreRfm([
      { daysSinceLastOrder: 2, frequency: 12, monetary: 900 },
      { daysSinceLastOrder: 400, frequency: 1, monetary: 20 },
      { daysSinceLastOrder: 30, frequency: 5, monetary: 300 },
      { daysSinceLastOrder: 10, frequency: 1.5, monetary: 40 },
      { daysSinceLastOrder: 200, frequency: 8, monetary: 500 },
    ]);
    expect(results.map((x) => [x.r, x.f, x.m])).toEqual([
      [5, 5, 5],
      [1, 1, 1],
      [3, 3, 3],
      [4, 2, 2],
      [2, 4, 4],
    ]);
    expect(results.map((x) => x.segment)).toEqual([
      'Champions',
      'Lost',
      'Need Attention',
      'Potential Loyalist',
      'At Risk',
    ]);
  });
});
