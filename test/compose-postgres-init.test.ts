/**
 * docker-compose.yml's boomerang-postgres init script, run for real (Docker does not run here): as
 * the postgres image runs it, with the environment and files compose gives the service, against the
 * tests' Postgres; then the worker's migrations as the role it made, with the DATABASE_URL password
 * compose gives the worker. The script needs psql, as the image has it: without one these are skipped.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { queryRows } from './support/db.js';
import { composeServices, mountedFile, TEST_COMPOSE_SECRETS } from './support/compose.js';

const run = promisify(execFile);
const hasPsql = await run('psql', ['--version']).then(
  () => true,
  () => false,
);

// Quotes of both SQL and the shell, and a comment: the script must pass it on as it is.
const APP_PASSWORD = `o'brien"; --`;
const services = composeServices({
  ...TEST_COMPOSE_SECRETS,
  BOOMERANG_APP_DB_PASSWORD: APP_PASSWORD,
});
const postgres = services['boomerang-postgres']!;
const initScript = mountedFile(
  postgres,
  postgres
    .volumes!.map((volume) => volume.split(':')[1]!)
    .find((file) => file.startsWith('/docker-entrypoint-initdb.d/'))!,
)!;

describe.runIf(hasPsql)("docker-compose.yml's boomerang-postgres init script", () => {
  const admin = new URL(inject('adminDatabaseUrl'));
  // Roles belong to the whole cluster, which other test files share: unique names, dropped after.
  const runId = randomBytes(5).toString('hex');
  const databases: string[] = [];
  const roles: string[] = [];

  afterAll(async () => {
    for (const database of databases)
      await queryRows(admin.href, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    for (const role of roles) await queryRows(admin.href, `DROP ROLE IF EXISTS "${role}"`);
  });

  async function newDatabase(kind: string, template?: string) {
    const database = `boomerang_init_${kind}_${runId}`;
    const role = `boomerang_app_${kind}_${runId}`;
    databases.push(database);
    roles.push(role);
    await queryRows(
      admin.href,
      `CREATE DATABASE "${database}"${template ? ` TEMPLATE "${template}"` : ''}`,
    );
    return { database, role };
  }

  /** As the image runs it: executed, as the superuser; this test's server, database and role. */
  function runInitScript(database: string, role: string, env: Record<string, string> = {}) {
    return run(initScript, [], {
      env: {
        ...postgres.environment,
        POSTGRES_USER: decodeURIComponent(admin.username),
        POSTGRES_DB: database,
        BOOMERANG_APP_DB_USER: role,
        BOOMERANG_APP_ROLE_SQL: mountedFile(
          postgres,
          postgres.environment!.BOOMERANG_APP_ROLE_SQL!,
        )!,
        PATH: process.env.PATH,
        PGHOST: admin.hostname,
        PGPORT: admin.port,
        PGPASSWORD: decodeURIComponent(admin.password),
        ...env,
      },
    });
  }

  /** The worker's DATABASE_URL, at this test's server, database and role. */
  function workerUrl(database: string, role: string): string {
    const url = new URL(services['boomerang-worker']!.environment!.DATABASE_URL!);
    expect(decodeURIComponent(url.password)).toBe(APP_PASSWORD);
    url.host = admin.host;
    url.pathname = `/${database}`;
    url.username = role;
    return url.href;
  }

  async function expectOnlyItsOwnSchema(url: string, role: string, database: string) {
    expect(
      await queryRows(
        url,
        `SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
           FROM pg_roles WHERE rolname = current_user`,
      ),
    ).toEqual([
      {
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
      },
    ]);
    expect(
      await queryRows(
        url,
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
         UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'`,
      ),
    ).toEqual([{ owner: role }]);
    // Nobody else may connect: PUBLIC (grantee 0) has nothing on the database.
    expect(
      await queryRows(
        url,
        `SELECT a.privilege_type FROM pg_database d, aclexplode(d.datacl) a
          WHERE d.datname = current_database() AND a.grantee = 0`,
      ),
    ).toEqual([]);
    await expect(queryRows(url, `CREATE DATABASE "${database}_stolen"`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(queryRows(url, `CREATE ROLE "${role}_intruder" SUPERUSER`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(queryRows(url, 'SELECT * FROM pg_authid')).rejects.toThrow(/permission denied/);
  }

  it('on an empty volume: makes the role the worker connects as, and the migrations run as it', async () => {
    const { database, role } = await newDatabase('fresh');
    await runInitScript(database, role);
    const url = workerUrl(database, role);
    const db = createDb(url, { max: 1 });
    try {
      expect((await migrateToLatest(db)).length).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
    await expectOnlyItsOwnSchema(url, role, database);
  });

  it('on a volume the superuser migrated (run by hand, twice): the role takes over its tables', async () => {
    const { database, role } = await newDatabase('existing', inject('templateDatabase'));
    await runInitScript(database, role);
    await runInitScript(database, role);
    const url = workerUrl(database, role);
    const db = createDb(url, { max: 1 });
    try {
      expect(await migrateToLatest(db)).toEqual([]);
    } finally {
      await db.destroy();
    }
    await expectOnlyItsOwnSchema(url, role, database);
  });

  it('refuses to run without the application password', async () => {
    const { database, role } = await newDatabase('nopassword');
    await expect(runInitScript(database, role, { BOOMERANG_APP_DB_PASSWORD: '' })).rejects.toThrow(
      /BOOMERANG_APP_DB_PASSWORD/,
    );
    expect(await queryRows(admin.href, `SELECT 1 FROM pg_roles WHERE rolname = '${role}'`)).toEqual(
      [],
    );
  });
});
