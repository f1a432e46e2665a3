/**
 * Ctrl-C while npm start's Temporal dev server is still starting stops the stack at once: the
 * server's start is abandoned and the server killed, instead of waiting up to a minute for it to
 * answer (and then starting the rest only to stop it). The "Temporal CLI" here is a real process
 * that never answers, as a server stuck on its way up.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isAlive } from '../src/provision/local-state.js';
import { freePort } from './support/ports.js';
import { startTs, until } from './support/processes.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-stop-while-starting-'));
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

it('stops on Ctrl-C while the Temporal dev server is starting, and kills it', async () => {
  const cli = path.join(dir, 'temporal');
  await fs.writeFile(cli, '#!/bin/sh\nexec sleep 300\n', { mode: 0o755 });
  const dataDir = path.join(dir, 'data');
  // An external Postgres that is never reached: the stack stops before it would be.
  const proc = startTs(
    'src/start.ts',
    {
      BOOMERANG_DATA_DIR: dataDir,
      TEMPORAL_CLI_PATH: cli,
      TEMPORAL_ADDRESS: '',
      TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://nobody:x@127.0.0.1:${await freePort()}/none`,
    },
    { detached: true },
  );
  const pidFile = path.join(dataDir, 'temporal.pid');
  const serverPid = await until(
    async () => Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).split(' ')[0]),
    'the Temporal dev server to be started',
    60_000,
  );

  // Ctrl-C in a terminal reaches npm start's process group; the server has a group of its own.
  process.kill(-proc.child.pid!, 'SIGINT');
  const code = await proc.exited();
  const output = proc.output();
  expect(output).toMatch(/boomerang: SIGINT: stopping\n[^]*boomerang: stopped\n/);
  // No failure reported for the start that was abandoned, nor for a Postgres it went on to.
  expect(output).not.toMatch(/exited \(SIGKILL\) while starting|did not answer|Postgres/);
  expect(code).toBe(0);
  expect(isAlive(serverPid)).toBe(false);
  await expect(fs.stat(pidFile)).rejects.toMatchObject({ code: 'ENOENT' });
}, 120_000);
