/**
 * Times from the store's clock (events, imported orders) against Boomerang's: how far ahead of the
 * receipt they may be, and the rule that refuses one further ahead.
 */

/**
 * How far an event's times may be ahead of the time Boomerang received it (EVENT_CLOCK_TOLERANCE_SECONDS):
 * two machines' clocks differ by a few seconds, a time further ahead is a clock or data error.
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 300;

/** When an event was received, and how far ahead of that its times may be. */
export interface ReceiptClock {
  receivedAt: Date;
  toleranceSeconds: number;
}

export const receiptClockNow = (
  toleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS,
): ReceiptClock => ({ receivedAt: new Date(), toleranceSeconds });

/**
 * The one rule for a time from the store's clock (events, imported orders): at most the tolerance
 * after `clock.receivedAt`, which `received` names in the problem. The problem, or undefined.
 */
export function aheadOfClock(
  at: Date,
  clock: ReceiptClock,
  received = 'the event was received',
): string | undefined {
  if (at.getTime() <= clock.receivedAt.getTime() + clock.toleranceSeconds * 1000) return undefined;
  return `${at.toISOString()} is more than ${clock.toleranceSeconds} seconds after ${received} (${clock.receivedAt.toISOString()}); is the store's clock ahead?`;
}
