/** How every entry point ends: a clear message and an exit code, never a bare stack trace. */
import { ConfigError } from './config.js';

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

/**
 * Whether the message says all there is (config errors, plain failures, an unreachable Postgres):
 * no debug hint after it.
 */
export function explainsItself(err: unknown): boolean {
  return (
    err instanceof ConfigError ||
    err instanceof PlainFailure ||
    unreachablePostgres(err) !== undefined
  );
}

export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const unreachable = unreachablePostgres(err);
  if (unreachable) return unreachable;
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
