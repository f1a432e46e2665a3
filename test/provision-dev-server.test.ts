/**
 * npm start's Temporal dev server picks its internal ports (history, matching, metrics…) free and
 * binds them a moment later; another program on the machine may take one meanwhile. Such a start
 * is tried again, while a port npm start was given stays an error.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { lostPortRace, startTemporalDevServer } from '../src/provision/dev-server.js';
import { Shutdown } from '../src/supervisor.js';
import { freePort } from './support/ports.js';

describe("npm start's dev server", () => {
  let scratch: string | undefined;
  let shutdown: Shutdown | undefined;
  afterEach(async () => {
    await shutdown?.run();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('tells a port the CLI picked itself from the ports it was given', () => {
    const line = 'Error: listen tcp 127.0.0.1:37709: bind: address already in use';
    expect(lostPortRace(line, [7233, 8233])).toBe(37709);
    expect(lostPortRace(line, [37709, 8233])).toBeUndefined();
    expect(lostPortRace('Temporal Server: localhost:7233', [7233])).toBeUndefined();
  });

  it('starts again when it lost a port it picked itself to another program', async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-dev-server-'));
    // The first start fails as the CLI does when its metrics port was taken; the next one runs it.
    const cli = path.join(scratch, 'temporal');
    await fs.writeFile(
      cli,
      `#!/bin/sh
if [ ! -e "${scratch}/tried" ]; then
  touch "${scratch}/tried"
  echo "time=x level=ERROR msg=\\"failed to start\\" error=\\"listen tcp 127.0.0.1:1: bind: address already in use\\"" >&2
  exit 1
fi
exec "${inject('temporalCliPath')}" "$@"
`,
      { mode: 0o755 },
    );
    const port = await freePort();
    const config = loadConfig({
      BOOMERANG_DATA_DIR: scratch,
      TEMPORAL_DEV_SERVER_PORT: String(port),
      TEMPORAL_UI_PORT: String(await freePort()),
      TEMPORAL_CLI_PATH: cli,
    });
    shutdown = new Shutdown();
    await startTemporalDevServer(config, shutdown);
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  }, 90_000);
});
