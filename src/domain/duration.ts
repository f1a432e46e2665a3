/**
 * Durations as Temporal reads them ('7 days', '36h', or a number of milliseconds). The SDK's own
 * converter is internal (`@temporalio/common/lib/time`); this parses with the same `ms` release the
 * SDK pins, so every value, in workflows too, is the one the SDK would compute.
 */
import ms, { type StringValue } from 'ms';

export type Duration = StringValue | number;

/** Milliseconds of a duration; an unreadable string is a TypeError, as in the SDK. */
export function msToNumber(value: Duration): number {
  if (typeof value === 'number') return value;
  const millis = ms(value);
  if (millis == null || Number.isNaN(millis))
    throw new TypeError(`Invalid duration string: '${value}'`);
  return millis;
}
