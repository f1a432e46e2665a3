/** `boomerang … | head`: the reader closing the pipe ends the command quietly, without a stack trace. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

it('stops without an EPIPE stack trace when its output is closed', async () => {
  const child = spawn(
    process.execPath,
    [path.join(PROJECT_ROOT, 'bin', 'boomerang.js'), '--help'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.destroy(); // as `head` does once it has its lines
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
  expect(code).toBe(0);
});
