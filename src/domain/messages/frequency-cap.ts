/**
 * The shop-wide frequency cap: at most `messages` marketing messages per contact in any
 * `periodHours`, across every campaign (FREQUENCY_CAP, e.g. "3 per 7 days").
 *
 * A sliding window: a message may go out at `now` when fewer than `messages` went out in
 * (now − period, now]. Pure arithmetic; the count comes from the send log.
 */

export interface FrequencyCap {
  messages: number;
  periodHours: number;
}

const HOUR = 3_600_000;

/** The start of the period the cap looks back over, exclusive: messages sent after it count. */
export function frequencyCapPeriodStart(cap: FrequencyCap, now: Date): Date {
  return new Date(now.getTime() - cap.periodHours * HOUR);
}

export type FrequencyCapDecision =
  | { allowed: true; remaining: number }
  | { allowed: false; sentInPeriod: number; nextAllowedAt: Date | undefined };

/**
 * Whether one more message fits under the cap.
 * @param sentAt when the contact's messages in the period were sent (any order); messages older
 *   than the period are ignored. When the cap is reached, `nextAllowedAt` is when enough of them
 *   have left the period for one more to fit (undefined when not all send times were given).
 */
export function checkFrequencyCap(
  cap: FrequencyCap | undefined,
  sentAt: readonly Date[],
  now: Date,
): FrequencyCapDecision {
  if (!cap) return { allowed: true, remaining: Number.POSITIVE_INFINITY };
  if (!(cap.messages >= 0) || !(cap.periodHours > 0))
    throw new RangeError(`invalid frequency cap ${JSON.stringify(cap)}`);
  const since = frequencyCapPeriodStart(cap, now).getTime();
  const inPeriod = sentAt
    .map((d) => d.getTime())
    .filter((t) => t > since && t <= now.getTime())
    .sort((a, b) => a - b);
  if (inPeriod.length < cap.messages)
    return { allowed: true, remaining: cap.messages - inPeriod.length - 1 };
  // One more fits once only messages − 1 remain: when the (n − messages + 1)-th oldest leaves the period.
  const leaving = inPeriod[inPeriod.length - cap.messages];
  return {
    allowed: false,
    sentInPeriod: inPeriod.length,
    nextAllowedAt: leaving === undefined ? undefined : new Date(leaving + cap.periodHours * HOUR),
  };
}

/** The same decision from a count alone (what the send-time check has). */
export function isWithinFrequencyCap(cap: FrequencyCap | undefined, sentInPeriod: number): boolean {
  return !cap || sentInPeriod < cap.messages;
}
