/**
 * The production Temporal server (go.temporal.io/server on Postgres) for end-to-end tests: the
 * cached build (built on first use, 15–25 minutes, by one process while the others wait for it),
 * its own two databases on the test Postgres, free ports, state in a temporary directory. Tests
 * provision the binaries in a hook with SERVER_BUILD_TIMEOUT_MS, so no shorter wait includes a build.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { defaultCacheDir } from '../../src/config.js';
import {
  resolveTemporalServer,
  resolveUiServer,
  startTemporalServerOnFreePorts,
  type TemporalServerBinaries,
  type TemporalServerOptions,
} from '../../src/provision/temporal-server.js';

export interface TestTemporalServer {
  address: string;
  stop(): Promise<void>;
}

/** Long enough for a first build of the server on CI (which allows 90 minutes in all). */
export const SERVER_BUILD_TIMEOUT_MS = 60 * 60_000;

const log = (m: string) => console.log(`[temporal server] ${m}`);

/** The cached server build (built on first use), or the binaries the environment names. */
export function testServerBinaries(): Promise<TemporalServerBinaries> {
  return resolveTemporalServer({
    cacheDir: defaultCacheDir(),
    explicit: {
      server: process.env.TEMPORAL_SERVER_PATH,
      sqlTool: process.env.TEMPORAL_SQL_TOOL_PATH,
    },
    log,
  });
}

/** The cached UI server build (built on first use, a few minutes), or the one the environment names. */
export function testUiServer(): Promise<string> {
  return resolveUiServer({
    cacheDir: defaultCacheDir(),
    explicitPath: process.env.TEMPORAL_UI_SERVER_PATH,
    log,
  });
}

type ServerDatabases = NonNullable<TemporalServerOptions['databases']>;

/** A server's two databases on the test Postgres, named apart for each run. */
export function uniqueServerDatabases(): ServerDatabases {
  const suffix = randomBytes(4).toString('hex');
  return { persistence: `temporal_${suffix}`, visibility: `temporal_visibility_${suffix}` };
}

/** Drops a server's databases from the test Postgres. */
export async function dropServerDatabases(databases: ServerDatabases): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    for (const name of Object.values(databases))
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function startTestTemporalServer(): Promise<TestTemporalServer> {
  const binaries = await testServerBinaries();
  const databases = uniqueServerDatabases();
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-temporal-'));
  const adminUrl = inject('adminDatabaseUrl');
  const server = await startTemporalServerOnFreePorts({
    binaries,
    postgresUrl: adminUrl,
    databases,
    stateDir,
    namespace: 'default',
    log,
    maxConns: 6,
  });
  return {
    address: server.address,
    async stop() {
      await server.stop();
      await dropServerDatabases(databases);
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
