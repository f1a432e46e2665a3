/**
 * TEMPORAL_HISTORY_SHARDS on the production Temporal server of `npm start -- --temporal server`:
 * a new database is set up with the count asked for, and a database that has one keeps it — another
 * count is refused with the variable named, where Temporal itself would only log that it ignores it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { temporalHistoryShards } from '../../src/db/admin.js';
import {
  startTemporalServerOnFreePorts,
  type TemporalServerBinaries,
} from '../../src/provision/temporal-server.js';
import {
  dropServerDatabases,
  SERVER_BUILD_TIMEOUT_MS,
  testServerBinaries,
  uniqueServerDatabases,
} from '../support/temporal-server.js';

describe('history shards of the production Temporal server', () => {
  const databases = uniqueServerDatabases();
  const adminUrl = inject('adminDatabaseUrl');
  let binaries: TemporalServerBinaries;
  let stateDir: string;

  beforeAll(async () => {
    binaries = await testServerBinaries();
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-shards-'));
  }, SERVER_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    await dropServerDatabases(databases);
    if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
  });

  const start = (historyShards?: number) =>
    startTemporalServerOnFreePorts({
      binaries,
      postgresUrl: adminUrl,
      databases,
      stateDir,
      namespace: 'default',
      maxConns: 4,
      historyShards,
    });

  const persistenceUrl = () => {
    const url = new URL(adminUrl);
    url.pathname = `/${databases.persistence}`;
    return url.toString();
  };

  it('sets a new database up with the count asked for, and refuses another count later', async () => {
    const first = await start(8);
    try {
      expect(await temporalHistoryShards(persistenceUrl())).toBe(8);
    } finally {
      await first.stop();
    }

    const refused = await start(16).then(
      async (server) => {
        await server.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(
      /TEMPORAL_HISTORY_SHARDS: 16, but the Temporal database temporal_\w+ was set up with 8 history shards/,
    );

    // Unset, the server starts on the database's own count and answers.
    const again = await start();
    try {
      const connection = await Connection.connect({ address: again.address });
      try {
        const client = new Client({ connection });
        await expect(client.workflowService.getSystemInfo({})).resolves.toBeDefined();
      } finally {
        await connection.close();
      }
      expect(await temporalHistoryShards(persistenceUrl())).toBe(8);
    } finally {
      await again.stop();
    }
  }, 180_000);
});
