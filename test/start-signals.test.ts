/**
 * npm start's stack, started and stopped twice in one process (a program or a test that embeds it),
 * leaves no SIGINT or SIGTERM handler of its own behind: Node warns of a leak after ten.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ReportedFailure } from '../src/main-helpers.js';
import { start } from '../src/start.js';
import { freePort } from './support/ports.js';

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-signals-'));
const taken = net.createServer();
await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
afterAll(async () => {
  await new Promise((resolve) => taken.close(resolve));
  await fs.rm(dataDir, { recursive: true, force: true });
});

it('removes its signal handlers when the stack stops, however often it starts', async () => {
  // Stopped at once by a taken HTTP port, after the handlers are installed; the external Postgres
  // and Temporal are named so that nothing is provisioned or reaped.
  const config = loadConfig({
    BOOMERANG_DATA_DIR: dataDir,
    DATABASE_URL: `postgres://nobody:x@127.0.0.1:${await freePort()}/none`,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    PORT: String((taken.address() as net.AddressInfo).port),
  });
  const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
  const before = {
    SIGINT: process.listenerCount('SIGINT'),
    SIGTERM: process.listenerCount('SIGTERM'),
  };
  try {
    for (let run = 0; run < 2; run++)
      await expect(start(config)).rejects.toBeInstanceOf(ReportedFailure);
    expect(errors.mock.calls.join('\n')).toMatch(/PORT/);
  } finally {
    errors.mockRestore();
  }
  expect({
    SIGINT: process.listenerCount('SIGINT'),
    SIGTERM: process.listenerCount('SIGTERM'),
  }).toEqual(before);
});
