/** How every entry point ends: a clear message and an exit code, never a bare stack trace. */
import { ConfigError } from './config.js';

export function describeError(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof Error) return process.env.BOOMERANG_DEBUG ? (err.stack ?? err.message) : err.message;
  return String(err);
}

export function runMain(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`${name}: ${describeError(err)}`);
      if (!process.env.BOOMERANG_DEBUG) console.error('(set BOOMERANG_DEBUG=1 for the stack trace)');
      process.exit(1);
    },
  );
}
