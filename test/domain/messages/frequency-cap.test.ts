import { describe, expect, it } from 'vitest';
import {
  checkFrequencyCap,
  frequencyCapPeriodStart,
  isWithinFrequencyCap,
} from '../../../src/domain/messages/frequency-cap.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const cap = { messages: 3, periodHours: 7 * 24 };

describe('frequency cap', () => {
  it('allows anything without a cap', () => {
    expect(checkFrequencyCap(undefined, [hoursAgo(1), hoursAgo(2)], now)).toEqual({
      allowed: true,
      remaining: Infinity,
    });
    expect(isWithinFrequencyCap(undefined, 1000)).toBe(true);
  });

  it('counts only the messages inside the period', () => {
    expect(frequencyCapPeriodStart(cap, now)).toEqual(hoursAgo(168));
    expect(checkFrequencyCap(cap, [hoursAgo(1), hoursAgo(200), hoursAgo(168)], now)).toEqual({
      allowed: true,
      remaining: 1,
    });
    expect(checkFrequencyCap(cap, [hoursAgo(1), hoursAgo(2)], now)).toEqual({
      allowed: true,
      remaining: 0,
    });
  });

  it('refuses the message over the cap and says when the next one fits', () => {
    const decision = checkFrequencyCap(
      cap,
      [hoursAgo(10), hoursAgo(100), hoursAgo(50), hoursAgo(1)],
      now,
    );
    // Four in the period: two must leave it; the second oldest (50 h ago) leaves 118 h from now.
    expect(decision).toEqual({
      allowed: false,
      sentInPeriod: 4,
      nextAllowedAt: new Date(now.getTime() + 118 * 3_600_000),
    });
    if (!decision.allowed && decision.nextAllowedAt) {
      const times = [hoursAgo(10), hoursAgo(100), hoursAgo(50), hoursAgo(1)];
      expect(checkFrequencyCap(cap, times, decision.nextAllowedAt).allowed).toBe(true);
      expect(
        checkFrequencyCap(cap, times, new Date(decision.nextAllowedAt.getTime() - 1)).allowed,
      ).toBe(false);
    }
    expect(isWithinFrequencyCap(cap, 2)).toBe(true);
    expect(isWithinFrequencyCap(cap, 3)).toBe(false);
  });

  it('a cap of zero allows nothing, and a nonsense cap is an error', () => {
    expect(checkFrequencyCap({ messages: 0, periodHours: 24 }, [], now)).toEqual({
      allowed: false,
      sentInPeriod: 0,
      nextAllowedAt: undefined,
    });
    expect(() => checkFrequencyCap({ messages: 1, periodHours: 0 }, [], now)).toThrow(
      /invalid frequency cap/,
    );
  });
});
