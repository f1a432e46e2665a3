import { describe, expect, it } from 'vitest';
import {
  cappedMessage,
  quietUntil,
  sendHoursFor,
  type SendHours,
  type SendPressure,
  yieldsLastSlot,
} from '../../../src/domain/messages/pressure.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const SMS: SendHours = { days: EVERY_DAY, from: '09:00', to: '20:00' };
const delay: SendPressure = {
  whenQuiet: 'wait',
  whenCapped: 'delay',
  priority: 0,
  delayUntil: '2026-11-28T12:00:00.000Z',
};

describe('quiet hours', () => {
  it("ends them at the next opening on the contact's clock, across a DST change", () => {
    // 23:00 in Madrid the night the clocks go back (26 October 2025, 03:00 → 02:00).
    const night = new Date('2025-10-25T21:00:00.000Z');
    expect(quietUntil(SMS, night, 'Europe/Madrid')?.toISOString()).toBe(
      '2025-10-26T08:00:00.000Z', // 09:00 CET, an hour later in UTC than the evening before
    );
    expect(quietUntil(SMS, new Date('2025-10-26T08:00:00.000Z'), 'Europe/Madrid')).toBeUndefined();
  });

  it("takes the campaign's hours over the shop's; 'any' or none means any time", () => {
    const evening: SendHours = { days: EVERY_DAY, from: '18:00', to: '22:00' };
    expect(sendHoursFor({ ...delay, sendHours: evening }, SMS)).toBe(evening);
    expect(sendHoursFor({ ...delay, sendHours: 'any' }, SMS)).toBeUndefined();
    expect(sendHoursFor(delay, SMS)).toBe(SMS);
    expect(sendHoursFor(delay, undefined)).toBeUndefined();
    expect(quietUntil(undefined, new Date('2025-10-25T02:00:00.000Z'), 'UTC')).toBeUndefined();
  });
});

describe('a capped message', () => {
  const frees = new Date('2026-11-27T10:00:00.000Z');
  it('waits for the free slot when its campaign delays and the slot frees within the limit', () => {
    expect(cappedMessage(delay, frees)).toEqual({ retryAt: frees });
    expect(cappedMessage(delay, new Date(delay.delayUntil!))).toEqual({
      retryAt: new Date(delay.delayUntil!),
    });
  });

  it('is dropped, saying why, otherwise', () => {
    expect(cappedMessage(undefined, frees)).toEqual({ drop: 'campaign_drops_capped' });
    expect(cappedMessage({ ...delay, whenCapped: 'drop' }, frees)).toEqual({
      drop: 'campaign_drops_capped',
    });
    expect(cappedMessage(delay, new Date('2026-11-28T12:00:00.001Z'))).toEqual({
      drop: 'delay_limit_passed',
    });
    expect(cappedMessage({ ...delay, delayUntil: undefined }, frees)).toEqual({
      drop: 'delay_limit_passed',
    });
    expect(cappedMessage(delay, undefined)).toEqual({ drop: 'cap_never_frees' });
  });
});

describe('the priority rule', () => {
  it('yields only the last slot, and only to a strictly higher priority', () => {
    expect(yieldsLastSlot(0, 0, [1])).toBe(true);
    expect(yieldsLastSlot(1, 0, [1])).toBe(false);
    expect(yieldsLastSlot(0, 1, [1, 0])).toBe(false);
    expect(yieldsLastSlot(0, 0, [])).toBe(false);
  });
});
