/**
 * Postgres not reachable (DATABASE_URL at a closed port, or at one that never answers): `boomerang`
 * and the worker, run as the user runs them, say which address failed and what to do, in one line:
 * no debug hint, no stack trace, no "Migration … failed" for a migration that never ran.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { freePort } from '../support/ports.js';
import { runToExit as run } from '../support/processes.js';
import { startSilentServer } from '../support/silent-server.js';

it('names the address that refused and says to start the stack or fix DATABASE_URL', async () => {
  // Nothing listens on a port just freed; Temporal's is set so no running stack is looked for.
  const [postgresPort, temporalPort] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: `postgres://boomerang:secret@127.0.0.1:${postgresPort}/boomerang`,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    BOOMERANG_SIGNING_SECRET: 'a-signing-secret-of-the-test-only',
  };
  const reason = `cannot reach Postgres at 127.0.0.1:${postgresPort} (connection refused, ECONNREFUSED): start the stack with \`npm start\`, or set DATABASE_URL to a Postgres that is running`;
  const boomerang = path.join(PROJECT_ROOT, 'bin', 'boomerang.js');
  const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const [list, migrate, worker] = await Promise.all([
    run([boomerang, 'campaign', 'list'], env),
    run([boomerang, 'migrate'], env),
    run([tsx, path.join('src', 'worker.ts')], env),
  ]);
  expect(list).toEqual({ code: 1, stderr: `boomerang: ${reason}\n` });
  expect(migrate).toEqual({ code: 1, stderr: `boomerang: ${reason}\n` });
  // The worker's last line: what it printed while starting may come before.
  expect(worker.code).toBe(1);
  expect(worker.stderr.trimEnd().split('\n').at(-1)).toBe(`worker: ${reason}`);
  expect(worker.stderr).not.toMatch(/BOOMERANG_DEBUG|Migration|\n\s+at /);
}, 60_000);

it('gives up on a Postgres that never answers after PGCONNECT_TIMEOUT or connect_timeout, naming both the time and the address', async () => {
  const silent = await startSilentServer();
  try {
    const url = `postgres://boomerang:secret@127.0.0.1:${silent.port}/boomerang`;
    const env = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      BOOMERANG_SIGNING_SECRET: 'a-signing-secret-of-the-test-only',
      PGCONNECT_TIMEOUT: '1',
    };
    const advice =
      'start the stack with `npm start`, or set DATABASE_URL to a Postgres that is running';
    const reason = `cannot reach Postgres at 127.0.0.1:${silent.port} (timed out after 1 s, PGCONNECT_TIMEOUT): ${advice}`;
    const boomerang = path.join(PROJECT_ROOT, 'bin', 'boomerang.js');
    const tsx = path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const [list, migrate, worker] = await Promise.all([
      run([boomerang, 'campaign', 'list'], env),
      // The URL's parameter wins over the variable, as in libpq.
      run([boomerang, 'migrate'], {
        ...env,
        DATABASE_URL: `${url}?connect_timeout=1`,
        PGCONNECT_TIMEOUT: '600',
      }),
      run([tsx, path.join('src', 'worker.ts')], env),
    ]);
    expect(list).toEqual({ code: 1, stderr: `boomerang: ${reason}\n` });
    expect(migrate).toEqual({
      code: 1,
      stderr: `boomerang: ${reason.replace('PGCONNECT_TIMEOUT', "DATABASE_URL's connect_timeout")}\n`,
    });
    expect(worker.code).toBe(1);
    expect(worker.stderr.trimEnd().split('\n').at(-1)).toBe(`worker: ${reason}`);
    expect(worker.stderr).not.toMatch(/BOOMERANG_DEBUG|Migration|\n\s+at /);
  } finally {
    await silent.close();
  }
}, 60_000);

it('says to set BOOMERANG_DATA_DIR when no stack runs on the data directory it looked in', async () => {
  // npm start on another data directory: this one has no stack.json, and no DATABASE_URL is set.
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-no-stack-'));
  try {
    const list = await run([path.join(PROJECT_ROOT, 'bin', 'boomerang.js'), 'campaign', 'list'], {
      DATABASE_URL: '',
      BOOMERANG_DATA_DIR: dataDir,
    });
    expect(list).toEqual({
      code: 1,
      stderr:
        `boomerang: DATABASE_URL is not set and no \`npm start\` is running on ${dataDir}: start the ` +
        'stack (`npm start`, in another terminal); if it runs on another data directory, set ' +
        'BOOMERANG_DATA_DIR to that directory here too; or set DATABASE_URL to your Postgres.\n',
    });
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
