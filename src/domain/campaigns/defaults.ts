/** Campaign constants that workflow code needs; kept free of zod so the workflow bundle stays small. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ContactWindowSpec {
  days: Weekday[];
  /** "HH:MM", wall-clock time in the contact's (else the shop's) time zone. */
  from: string;
  to: string;
}

/** The welcome journey's contact window when the campaign sets none: every day, 09:00–20:00. */
export const DEFAULT_CONTACT_WINDOW: ContactWindowSpec = {
  days: [...WEEKDAYS],
  from: '09:00',
  to: '20:00',
};
