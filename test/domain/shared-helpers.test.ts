/**
 * The small helpers every layer shares: an error with its causes, bounded concurrency, a count with
 * its noun.
 */
import { describe, expect, it } from 'vitest';
import { forEachLimited } from '../../src/domain/concurrency.js';
import { counted } from '../../src/domain/counted.js';
import { messageWithCauses } from '../../src/domain/errors.js';

describe('messageWithCauses', () => {
  it('says an error and its causes in one line, each message once, at most maxParts', () => {
    const root = new Error('14 UNAVAILABLE: connection refused');
    const middle = new Error('Failed to start Workflow', { cause: root });
    const top = new Error('Failed to start Workflow', { cause: middle });
    expect(messageWithCauses(top)).toBe(
      'Failed to start Workflow: 14 UNAVAILABLE: connection refused',
    );
    const deep = new Error('a', { cause: new Error('b', { cause: new Error('c') }) });
    expect(messageWithCauses(deep, 2)).toBe('a: b');
    expect(messageWithCauses('plain text')).toBe('plain text');
  });
});

describe('forEachLimited', () => {
  it('does every item, never more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      done.push(n);
      inFlight--;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });
});

describe('counted', () => {
  it('puts the noun in the number the count takes', () => {
    expect(counted(1, 'running journey')).toBe('1 running journey');
    expect(counted(0, 'journey')).toBe('0 journeys');
    expect(counted(3, 'start')).toBe('3 starts');
    expect(counted(2, 'entry', 'entries')).toBe('2 entries');
  });
});
