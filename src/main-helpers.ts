/** How every entry point ends: a clear message and an exit code, never a bare stack trace. */
import { ConfigError } from './config.js';
import { isDatabaseUnavailable, PostgresConnectError, refusedConnection } from './db/errors.js';

/**
 * A failure whose message is the whole story (a port taken, another `npm start` on the data
 * directory): the user acts on the message; a stack trace would only point into Boomerang.
 */
export class PlainFailure extends Error {}

/** Thrown by an entry point that has printed its failure already (with failureLines). */
export class ReportedFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** Node's codes for a server that cannot be reached, in words. */
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

interface NetError {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  /** An AggregateError's: one per address tried (localhost as ::1 and 127.0.0.1). */
  errors?: unknown[];
  /** A PostgresConnectTimeoutError's (src/db/database.ts): how long it waited, set by what. */
  timeout?: { seconds: number; setting: string };
}

/** Why, in words, then the code or the setting to change; undefined for other errors. */
function unreachableBecause(e: NetError): string | undefined {
  if (e.timeout) return `timed out after ${e.timeout.seconds} s, ${e.timeout.setting}`;
  const words = e.code ? UNREACHABLE[e.code] : undefined;
  return words && `${words}, ${e.code}`;
}

/**
 * Postgres's address and why it cannot be reached, when `err` says so. Only pg's connection errors
 * reach an entry point as Node's own: Temporal's are gRPC errors (told in temporal/connection.ts),
 * an HTTP call's come wrapped by fetch.
 */
function unreachablePostgres(err: unknown): string | undefined {
  const e = (err ?? {}) as NetError;
  const why = unreachableBecause(e);
  if (!why) return undefined;
  const tried = (e.errors ?? []) as NetError[];
  const at = e.address ? e : (tried.find((t) => t.address) ?? e);
  const where = at.address
    ? `${at.address.includes(':') ? `[${at.address}]` : at.address}:${at.port}`
    : (e.hostname ?? 'the address in DATABASE_URL');
  return `cannot reach Postgres at ${where} (${why}): start the stack with \`npm start\`, or set DATABASE_URL to a Postgres that is running`;
}

/** What to change when Postgres turns the connection down with this code. */
const REFUSED_ADVICE: Record<string, string> = {
  '28P01': 'fix the user or password in DATABASE_URL',
  '28000':
    'set DATABASE_URL to postgres://USER:PASSWORD@host:port/database with a user this Postgres lets in',
  '3D000': 'create the database, or set DATABASE_URL to one that exists',
};

/** What to change when Postgres (or pg's side of the exchange) turned the connection down. */
function refusalAdvice({ code, reason }: PostgresConnectError): string {
  const advice = code ? REFUSED_ADVICE[code] : undefined;
  if (advice) return advice;
  // pg's own words when the server asks for a password the URL does not have.
  if (/password must be a string/.test(reason.message))
    return 'put the password in DATABASE_URL (postgres://USER:PASSWORD@host:port/database)';
  // Starting up, shutting down, out of connections: the settings are not at fault.
  if (isDatabaseUnavailable(reason)) return 'it is not ready: try again shortly';
  return 'check DATABASE_URL';
}

/** Postgres's own words for a refusal, with its code. */
function refusalReason({ reason, code }: PostgresConnectError): string {
  return `${reason.message}${code ? `, ${code}` : ''}`;
}

/** Postgres's address and why it turned the connection down, when `err` says so. */
function refusedByPostgres(err: unknown): string | undefined {
  if (!(err instanceof PostgresConnectError)) return undefined;
  return `cannot connect to Postgres at ${err.where} (${refusalReason(err)}): ${refusalAdvice(err)}`;
}

/**
 * Why a running process cannot use Postgres, in words with the code, and, when Postgres turned the
 * connection down, what to change (naming DATABASE_URL): for the lines of a process that goes on.
 */
export function postgresTrouble(err: unknown): { why: string; advice?: string } {
  const refused = refusedConnection(err);
  if (refused) return { why: refusalReason(refused), advice: refusalAdvice(refused) };
  const e = (err ?? {}) as NetError & { message?: unknown };
  const unreachable = unreachableBecause(e);
  if (unreachable) return { why: unreachable };
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  return { why: e.code && !message.includes(e.code) ? `${message}, ${e.code}` : message };
}

/**
 * Whether the message says all there is (config errors, plain failures, a Postgres unreachable or
 * refusing the connection): no debug hint after it.
 */
export function explainsItself(err: unknown): boolean {
  return (
    err instanceof ConfigError ||
    err instanceof PlainFailure ||
    err instanceof PostgresConnectError ||
    unreachablePostgres(err) !== undefined
  );
}

export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const told = unreachablePostgres(err) ?? refusedByPostgres(err);
  if (told) return told;
  if (err instanceof Error)
    return process.env.BOOMERANG_DEBUG ? (err.stack ?? err.message) : err.message;
  return String(err);
}

/** What an entry point that failed prints: the reason, then, for an unexpected error, the hint. */
export function failureLines(name: string, err: unknown): string[] {
  const hint = !process.env.BOOMERANG_DEBUG && !explainsItself(err);
  return [
    `${name}: ${describeError(err)}`,
    ...(hint ? ['(set BOOMERANG_DEBUG=1 for the stack trace)'] : []),
  ];
}

export function runMain(name: string, main: () => Promise<void>): void {
  // Through a promise, so that a synchronous throw (a bad configuration) is reported the same way.
  Promise.resolve()
    .then(main)
    .then(
      () => process.exit(0),
      (err: unknown) => {
        if (!(err instanceof ReportedFailure))
          for (const line of failureLines(name, err)) console.error(line);
        process.exit(1);
      },
    );
}
