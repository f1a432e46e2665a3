/** A split's arm: the same for the same contact and node, spread by weight over many contacts. */
import { describe, expect, it } from 'vitest';
import { chooseArm, stableHash } from '../../../src/domain/flows/split.js';

const arms = [
  { name: 'a', weight: 80 },
  { name: 'b', weight: 20 },
];

describe('split arms', () => {
  it('gives a contact the same arm of the same node every time', () => {
    for (let id = 1; id <= 50; id++)
      expect(chooseArm(arms, id, 'ab').name).toBe(chooseArm(arms, id, 'ab').name);
    // Pinned: a changed hash would move contacts of running journeys and reports between arms.
    expect(stableHash('7:ab')).toBe(2384689605);
    expect([1, 2, 3, 4, 5].map((id) => chooseArm(arms, id, 'ab').name)).toEqual([
      'a',
      'a',
      'a',
      'b',
      'b',
    ]);
  });

  it('spreads 10,000 consecutive contact ids by weight, independently per node', () => {
    const count = (node: string) => {
      let a = 0;
      for (let id = 1; id <= 10_000; id++) if (chooseArm(arms, id, node).name === 'a') a++;
      return a;
    };
    expect(count('ab')).toBeGreaterThan(7_800);
    expect(count('ab')).toBeLessThan(8_200);
    let same = 0;
    for (let id = 1; id <= 10_000; id++)
      if (chooseArm(arms, id, 'ab').name === chooseArm(arms, id, 'other').name) same++;
    // Independent nodes agree 0.8² + 0.2² = 68% of the time.
    expect(same / 10_000).toBeGreaterThan(0.65);
    expect(same / 10_000).toBeLessThan(0.71);
  });
});
