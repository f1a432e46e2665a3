/** Durations of segment conditions: "8 hours", "7 days", "2 weeks"; and "30 days ago". */

const UNIT_MS = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
} as const;

const UNIT_ALIASES: Record<string, keyof typeof UNIT_MS> = {
  m: 'minute',
  min: 'minute',
  mins: 'minute',
  minute: 'minute',
  minutes: 'minute',
  h: 'hour',
  hour: 'hour',
  hours: 'hour',
  d: 'day',
  day: 'day',
  days: 'day',
  w: 'week',
  week: 'week',
  weeks: 'week',
};

/** Milliseconds of a duration such as "7 days", "8 hours", "8h", "2 weeks"; null if it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNIT_ALIASES[m[2]!.toLowerCase()];
  const n = Number(m[1]);
  if (!unit || n <= 0) return null;
  return n * UNIT_MS[unit];
}

/** Milliseconds before now of "30 days ago" (any duration followed by "ago"); null if it is not one. */
export function parseAgo(text: string): number | null {
  const m = /^\s*(.+?)\s+ago\s*$/i.exec(text);
  return m ? parseDuration(m[1]!) : null;
}

export const DURATION_HINT = 'a duration such as "8 hours", "7 days" or "2 weeks"';
