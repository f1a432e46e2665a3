/**
 * How long a new Postgres connection may take to be set up. Apart from database.ts so that the
 * config reads it without loading pg.
 */
export interface ConnectTimeout {
  seconds: number;
  /** Named when the time runs out, so the message says what to change. */
  setting: 'PGCONNECT_TIMEOUT' | "DATABASE_URL's connect_timeout";
}

/** PGCONNECT_TIMEOUT's default: libpq, whose variable it is, would wait forever without one. */
export const DEFAULT_CONNECT_TIMEOUT: ConnectTimeout = {
  seconds: 10,
  setting: 'PGCONNECT_TIMEOUT',
};
