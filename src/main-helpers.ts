/** How every entry point ends: a clear message and an exit code, never a bare stack trace. */
import { ConfigError } from './config.js';

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

export function runMain(name: string, main: () => Promise<void>): void {
  // Through a promise, so that a synchronous throw (a bad configuration) is reported the same way.
  Promise.resolve()
    .then(main)
    .then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`${name}: ${describeError(err)}`);
        if (!process.env.BOOMERANG_DEBUG && !(err instanceof ConfigError))
          console.error('(set BOOMERANG_DEBUG=1 for the stack trace)');
        process.exit(1);
      },
    );
}
