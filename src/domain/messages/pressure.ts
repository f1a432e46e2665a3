/**
 * Message pressure: how hard and when a contact is pressed. Two rules on top of consent:
 *  - quiet hours: a channel's messages go out only within its sending hours, read on the contact's
 *    wall clock (contact-window.ts does the arithmetic); outside them a send waits or is dropped;
 *  - the shop-wide frequency cap (frequency-cap.ts): a capped send is dropped, or waits until the
 *    cap frees a slot, up to a limit the campaign sets; a waiting send of higher priority keeps the
 *    contact's last slot (see yieldsLastSlot).
 * Pure: the send path brings the contact's time zone, the send log and the clock.
 */
import { isWithinWindow, nextWindowStart } from '../contact-window.js';

/** Days and hours when a channel's messages may go out (the hours outside are quiet). */
export interface SendHours {
  days: readonly ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[];
  from: string;
  to: string;
}

/**
 * What a send step says about pressure (its campaign's `quietHours` and `frequencyCap`). Sends
 * without it (journeys that started before these rules) are never held and a capped one is dropped.
 */
export interface SendPressure {
  /** The campaign's sending hours for the channel; "any" lifts the shop's; absent: the shop's. */
  sendHours?: SendHours | 'any' | undefined;
  whenQuiet: 'wait' | 'drop';
  whenCapped: 'drop' | 'delay';
  /** Until when a capped message may wait (ISO instant); once past it, the message is dropped. */
  delayUntil?: string | undefined;
  /** A waiting message of higher priority keeps the contact's last slot for itself. */
  priority: number;
}

/** The sending hours that apply: the campaign's, else the shop's for the channel; none at all means any time. */
export function sendHoursFor(
  pressure: SendPressure,
  shopHours: SendHours | undefined,
): SendHours | undefined {
  const hours = pressure.sendHours ?? shopHours;
  return hours === 'any' ? undefined : hours;
}

/** When the quiet hours end, or undefined when a message may go out at `now`. */
export function quietUntil(
  hours: SendHours | undefined,
  now: Date,
  timeZone: string,
): Date | undefined {
  if (!hours || isWithinWindow(hours, now, timeZone)) return undefined;
  return nextWindowStart(hours, now, timeZone);
}

/**
 * What becomes of a capped message: it waits until `nextAllowedAt` (when the oldest counted
 * message leaves the cap's period) if the campaign delays and that is within its delay limit;
 * otherwise it is dropped, saying why.
 */
export function cappedMessage(
  pressure: SendPressure | undefined,
  nextAllowedAt: Date | undefined,
):
  { retryAt: Date } | { drop: 'campaign_drops_capped' | 'delay_limit_passed' | 'cap_never_frees' } {
  if (pressure?.whenCapped !== 'delay') return { drop: 'campaign_drops_capped' };
  if (!nextAllowedAt) return { drop: 'cap_never_frees' };
  const limit = pressure.delayUntil === undefined ? Number.NaN : Date.parse(pressure.delayUntil);
  if (!(nextAllowedAt.getTime() <= limit)) return { drop: 'delay_limit_passed' };
  return { retryAt: nextAllowedAt };
}

/**
 * The priority rule. A send that would take the contact's last free slot yields it when a message
 * of strictly higher priority for the same contact is waiting for the cap (delayed, not yet sent
 * or dropped, its delay limit not passed). Equal priorities: the first to claim the slot wins.
 */
export function yieldsLastSlot(
  remainingAfterThisSend: number,
  priority: number,
  waitingPriorities: readonly number[],
): boolean {
  return remainingAfterThisSend === 0 && waitingPriorities.some((p) => p > priority);
}
