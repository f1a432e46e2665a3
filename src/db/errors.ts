/**
 * Errors that mean "Postgres is not there right now" rather than "this request is wrong": the
 * server is down, restarting or refusing connections. Callers answer "retry later" (HTTP 503).
 */
import { causeChain } from '../domain/errors.js';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causeChain(err, 5)) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08')))
      return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery)/i.test(
        message,
      )
    )
      return true;
    if (e instanceof AggregateError && e.errors.some((inner) => isDatabaseUnavailable(inner)))
      return true;
  }
  return false;
}

/** Whether a statement broke a foreign key whose constraint name matches `constraint` (23503). */
export function isForeignKeyViolation(err: unknown, constraint: RegExp): boolean {
  const { code, constraint: name } = (err ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23503' && constraint.test(typeof name === 'string' ? name : '');
}

/**
 * Postgres, or the exchange that sets up a connection, turned the connection down: a wrong password,
 * no such role or database, a DATABASE_URL without a user. Only raised while connecting, so a query
 * that fails later with the same code (a DROP DATABASE of a database that does not exist) is told
 * apart. Keeps Postgres's code; pg's error is the cause.
 */
export class PostgresConnectError extends Error {
  override name = 'PostgresConnectError';
  readonly code: string | undefined;
  constructor(
    /** host:port/database, never the password. */
    readonly where: string,
    readonly reason: Error,
  ) {
    super(`connecting to Postgres at ${where} failed: ${reason.message}`, { cause: reason });
    const { code } = reason as { code?: unknown };
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * Postgres cannot be used right now: it is unavailable (isDatabaseUnavailable), or it turns new
 * connections down (a password changed, a role or database dropped while the endpoint runs). A
 * request that meets either is answered "retry later": it is not at fault, and it will go through
 * once the operator has mended Postgres or DATABASE_URL.
 */
export function isDatabaseOutage(err: unknown): boolean {
  return isDatabaseUnavailable(err) || refusedConnection(err) !== undefined;
}

/** The PostgresConnectError in `err` or its causes. */
export function refusedConnection(err: unknown): PostgresConnectError | undefined {
  for (const e of causeChain(err, 5)) if (e instanceof PostgresConnectError) return e;
  return undefined;
}
