/**
 * Contact windows: the days and hours a contact may be contacted ("Waiting for time range" in the
 * CareCloud welcome voucher), e.g. Mon–Fri 09:00–20:00 and Sat 10:00–14:00, read on the wall clock
 * of a time zone (the contact's, else the shop's).
 *
 * Pure and deterministic so that workflow code can import it: no Node built-ins, no Date.now();
 * the current instant is an argument. Wall-clock time in a zone comes from Intl.DateTimeFormat,
 * which the workflow sandbox provides.
 *
 * DST: a window is a set of wall-clock times, so an instant is inside when its wall-clock time in
 * the zone is. When the clocks spring forward over a window's start (02:30 on a day that goes from
 * 02:00 to 03:00), the window opens at the first instant after the gap; when they fall back, a
 * wall-clock time that happens twice is inside the window both times.
 */
import { z } from 'zod';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Date#getUTCDay() order: 0 is Sunday. */
const BY_JS_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** Minutes since midnight of "HH:MM" ("24:00" = 1440, the end of the day). */
export function minutesOfDay(time: string): number {
  const m = TIME.exec(time);
  if (!m) throw new RangeError(`not a time of day HH:MM: ${JSON.stringify(time)}`);
  return Number(m[1] ?? m[3]) * 60 + Number(m[2] ?? m[4]);
}

const timeSchema = z
  .string({ error: 'must be a time of day "HH:MM"' })
  .regex(TIME, 'must be a time of day "HH:MM" from 00:00 to 24:00, e.g. "09:00"');

const weekdaySchema = z.enum(WEEKDAYS, {
  error: 'must be a day of the week: mon, tue, wed, thu, fri, sat or sun',
});

export const contactWindowRangeSchema = z
  .object({
    days: z
      .array(weekdaySchema, { error: 'must be a list of days of the week, e.g. ["mon", "tue"]' })
      .min(1, 'must name at least one day of the week')
      .refine((days) => new Set(days).size === days.length, 'names a day twice'),
    from: timeSchema,
    to: timeSchema,
  })
  .superRefine((range, ctx) => {
    if (!TIME.test(range.from) || !TIME.test(range.to)) return;
    if (range.from === '24:00')
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'must be before 24:00 (a range starts within its day)',
      });
    else if (minutesOfDay(range.to) <= minutesOfDay(range.from))
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be after "from" (${range.from}); a range cannot cross midnight: split it in two, e.g. 22:00–24:00 and 00:00–06:00 the next day`,
      });
  });

const windowObjectSchema = z.object({
  ranges: z
    .array(contactWindowRangeSchema, { error: 'must be a list of {days, from, to} ranges' })
    .min(1, 'must have at least one range'),
});

/**
 * Days of the week and hours of the day when contacting is allowed; any range may match.
 * Written `{ ranges: [{ days, from, to }, …] }`, or as a single `{ days, from, to }` range, or as a
 * list of ranges; all three come out as `{ ranges }`.
 */
export const contactWindowSchema = z.preprocess((input: unknown) => {
  if (Array.isArray(input)) return { ranges: input };
  if (
    input !== null &&
    typeof input === 'object' &&
    !('ranges' in input) &&
    ('days' in input || 'from' in input || 'to' in input)
  )
    return { ranges: [input] };
  return input;
}, windowObjectSchema);

export type ContactWindowRange = z.infer<typeof contactWindowRangeSchema>;
export type ContactWindow = z.output<typeof contactWindowSchema>;
/** A range as nextWindowStart reads it (readonly, so constants can be passed as they are). */
export interface ContactWindowRangeLike {
  readonly days: readonly Weekday[];
  readonly from: string;
  readonly to: string;
}
/** What nextWindowStart and isWithinWindow accept: a window, a single range, or a list of ranges. */
export type ContactWindowLike =
  | { readonly ranges: readonly ContactWindowRangeLike[] }
  | ContactWindowRangeLike
  | readonly ContactWindowRangeLike[];

function rangesOf(window: ContactWindowLike): readonly ContactWindowRangeLike[] {
  if (Array.isArray(window)) return window as readonly ContactWindowRangeLike[];
  return 'ranges' in window ? window.ranges : [window as ContactWindowRangeLike];
}

/** Parses a window, throwing an error that lists every problem with its path (e.g. "ranges.0.to: …"). */
export function parseContactWindow(input: unknown): ContactWindow {
  const parsed = contactWindowSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.length ? i.path.join('.') : '(window)'}: ${i.message}`,
  );
  throw new RangeError(`invalid contact window:\n  - ${problems.join('\n  - ')}`);
}

// ---------------------------------------------------------------------------------------------
// Wall-clock arithmetic. "Local ms" are the milliseconds of the wall-clock time read as if it were
// UTC: local = instant + offset. Within a stretch of constant offset, local time moves with the
// instant, so windows can be searched in local ms and turned back into instants.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** How far apart offset samples are when looking for the next DST transition. */
const SAMPLE = 6 * 60 * MINUTE;
/** A valid window allows some time in any week; past this the window cannot be reached. */
const HORIZON = 400 * DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (e.g. "Europe/Madrid"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (Europe/Madrid in summer: +7 200 000). */
export function timeZoneOffsetMs(timeZone: string, instantMs: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instantMs)) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const local = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  const wholeSeconds = Math.floor(instantMs / 1000) * 1000;
  return local - wholeSeconds;
}

export interface WallClock {
  weekday: Weekday;
  /** "YYYY-MM-DD" */
  date: string;
  /** Minutes since local midnight. */
  minutes: number;
}

/** The wall-clock day and time of an instant in a zone. */
export function wallClock(now: Date, timeZone: string): WallClock {
  const local = now.getTime() + timeZoneOffsetMs(timeZone, now.getTime());
  const d = new Date(local);
  return {
    weekday: BY_JS_DAY[d.getUTCDay()]!,
    date: d.toISOString().slice(0, 10),
    minutes:
      d.getUTCHours() * 60 +
      d.getUTCMinutes() +
      d.getUTCSeconds() / 60 +
      d.getUTCMilliseconds() / MINUTE,
  };
}

interface Interval {
  day: number;
  from: number;
  to: number;
}

/** The window as minute intervals per weekday (0 = Sunday), sorted. */
function intervals(window: ContactWindowLike): Interval[][] {
  const byDay: Interval[][] = BY_JS_DAY.map(() => []);
  for (const range of rangesOf(window)) {
    const from = minutesOfDay(range.from);
    const to = minutesOfDay(range.to);
    if (to <= from)
      throw new RangeError(
        `a contact window range must end after it starts (${range.from}–${range.to})`,
      );
    for (const day of range.days) {
      const index = BY_JS_DAY.indexOf(day);
      if (index === -1) throw new RangeError(`not a day of the week: ${JSON.stringify(day)}`);
      byDay[index]!.push({ day: index, from, to });
    }
  }
  for (const list of byDay) list.sort((a, b) => a.from - b.from);
  return byDay;
}

function insideLocal(byDay: Interval[][], localMs: number): boolean {
  const dayStart = Math.floor(localMs / DAY) * DAY;
  const weekday = new Date(dayStart).getUTCDay();
  const minutes = (localMs - dayStart) / MINUTE;
  return byDay[weekday]!.some((i) => minutes >= i.from && minutes < i.to);
}

/** The first local ms in [start, end) that is inside the window, or undefined. */
function firstInsideLocal(byDay: Interval[][], start: number, end: number): number | undefined {
  if (insideLocal(byDay, start)) return start;
  const firstDay = Math.floor(start / DAY) * DAY;
  for (let dayStart = firstDay; dayStart < end && dayStart <= firstDay + 8 * DAY; dayStart += DAY) {
    const weekday = new Date(dayStart).getUTCDay();
    for (const interval of byDay[weekday]!) {
      const opens = dayStart + interval.from * MINUTE;
      if (opens > start) return opens < end ? opens : undefined;
    }
  }
  return undefined;
}

/** The first instant in (from, limit] where the offset is no longer `offset`, or undefined. */
function nextTransition(
  timeZone: string,
  from: number,
  offset: number,
  limit: number,
): number | undefined {
  let lo = from;
  while (lo < limit) {
    const probe = Math.min(lo + SAMPLE, limit);
    if (timeZoneOffsetMs(timeZone, probe) !== offset) {
      // The offset is `offset` at lo and different at probe: bisect to the millisecond.
      let hi = probe;
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (timeZoneOffsetMs(timeZone, mid) === offset) lo = mid;
        else hi = mid;
      }
      return hi;
    }
    lo = probe;
  }
  return undefined;
}

/** True when `now`'s wall-clock time in the zone is inside the window. */
export function isWithinWindow(window: ContactWindowLike, now: Date, timeZone: string): boolean {
  const t = now.getTime();
  return insideLocal(intervals(window), t + timeZoneOffsetMs(timeZone, t));
}

/**
 * The instant when contacting is allowed: `now` itself when inside the window, else the next
 * instant whose wall-clock time in `timeZone` enters the window.
 */
export function nextWindowStart(window: ContactWindowLike, now: Date, timeZone: string): Date {
  const byDay = intervals(window);
  if (byDay.every((list) => list.length === 0))
    throw new RangeError('a contact window needs at least one range with at least one day');
  const start = now.getTime();
  if (Number.isNaN(start)) throw new RangeError('now is not a valid date');
  const limit = start + HORIZON;
  // Walk the stretches of constant offset from `now`: find the window's next opening as if the
  // offset stayed as it is, then make sure no DST transition comes first; if one does, start again
  // from the transition with the new offset.
  let t = start;
  while (t < limit) {
    const offset = timeZoneOffsetMs(timeZone, t);
    const found = firstInsideLocal(byDay, t + offset, t + offset + 9 * DAY);
    const until = found === undefined ? Math.min(limit, t + 9 * DAY) : found - offset;
    const transition = nextTransition(timeZone, t, offset, until);
    if (transition !== undefined) t = transition;
    else if (found !== undefined) return new Date(found - offset);
    else t = until;
  }
  throw new RangeError(
    `the contact window is never open in ${timeZone} within ${HORIZON / DAY} days of ${now.toISOString()}`,
  );
}
