/** Run `boomerang …` in-process (main from src/cli/main.ts) against a test database, capturing its output. */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const text = (args: unknown[]): string =>
  args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');

/** Runs the CLI with DATABASE_URL pointed at `databaseUrl`; console and stderr writes are captured. */
export async function runCli(databaseUrl: string, args: string[]): Promise<CliRun> {
  const saved = process.env.DATABASE_URL;
  process.env.DATABASE_URL = databaseUrl;
  let stdout = '';
  let stderr = '';
  const log = vi
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void (stdout += `${text(a)}\n`));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void (stderr += `${text(a)}\n`));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    log.mockRestore();
    error.mockRestore();
    out.mockRestore();
    err.mockRestore();
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}
