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

/** Whether the message says all there is (config errors, plain failures): no debug hint after it. */
export function explainsItself(err: unknown): boolean {
  return err instanceof ConfigError || err instanceof PlainFailure;
}

export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    const e = err as { address?: string; port?: number; hostname?: string };
    const where = e.address ? `${e.address}:${e.port}` : (e.hostname ?? 'the server');
    return `cannot connect to ${where} (${code}): is \`npm start\` running, and does DATABASE_URL point at a running Postgres?`;
  }
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
