/**
 * Postgres answers and turns the connection down (a wrong password, a database that does not
 * exist, a DATABASE_URL without a user or password): `boomerang`, `boomerang migrate`, the worker,
 * the HTTP endpoint and `npm start`, run as the user runs them, say in one line the address and the
 * setting to fix, never the password, with no debug hint or stack trace. So do `boomerang`, the
 * worker and `npm start` when Temporal does not answer.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { useTestDatabase } from '../support/db.js';
import { createDevServerEnv } from '../support/temporal.js';
import { freePort } from '../support/ports.js';
import { runToExit } from '../support/processes.js';

const SIGNING_SECRET = { BOOMERANG_SIGNING_SECRET: 'a-signing-secret-of-the-test-only' };
const boomerang = (...args: string[]) => [path.join(PROJECT_ROOT, 'bin', 'boomerang.js'), ...args];
const tsx = (...script: string[]) => [
  path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
  path.join('src', ...script),
];

/** `boomerang campaign list`, `boomerang migrate`, the worker and the HTTP endpoint, with `env`. */
async function runAll(env: Record<string, string>) {
  const [list, migrate, work, http] = await Promise.all([
    runToExit(boomerang('campaign', 'list'), env),
    runToExit(boomerang('migrate'), env),
    runToExit(tsx('worker.ts'), env),
    runToExit(tsx('http', 'main.ts'), {
      ...env,
      PORT: String(await freePort()),
      BOOMERANG_API_KEY: 'an-api-key-of-the-test-only',
    }),
  ]);
  return { list, migrate, worker: work, http };
}

describe('Postgres turns the connection down', () => {
  const admin = new URL(inject('adminDatabaseUrl'));
  const where = `${admin.hostname}:${admin.port}`;

  /** Each process's stderr is its one line, naming DATABASE_URL and not the password. */
  async function expectOneLine(url: URL, line: string, extraEnv: Record<string, string> = {}) {
    // Temporal's address is set so that no running stack is looked for; it is never reached.
    const env = {
      ...extraEnv,
      DATABASE_URL: url.toString(),
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      ...SIGNING_SECRET,
    };
    const runs = await runAll(env);
    expect(runs).toEqual({
      list: { code: 1, stderr: `boomerang: ${line}\n` },
      migrate: { code: 1, stderr: `boomerang: ${line}\n` },
      worker: { code: 1, stderr: `worker: ${line}\n` },
      http: { code: 1, stderr: `http: ${line}\n` },
    });
    expect(line).toContain('DATABASE_URL');
    if (url.password) expect(line).not.toContain(url.password);
  }

  it('a wrong password', async () => {
    const url = new URL(admin);
    url.password = 'not-the-password';
    await expectOneLine(
      url,
      `cannot connect to Postgres at ${where}${admin.pathname} (password authentication failed for user "${admin.username}", 28P01): fix the user or password in DATABASE_URL`,
    );
  }, 60_000);

  it('a database that does not exist', async () => {
    const url = new URL(admin);
    url.pathname = '/nosuchdb';
    await expectOneLine(
      url,
      `cannot connect to Postgres at ${where}/nosuchdb (database "nosuchdb" does not exist, 3D000): create the database, or set DATABASE_URL to one that exists`,
    );
  }, 60_000);

  it('a DATABASE_URL without a password', async () => {
    const url = new URL(admin);
    url.password = '';
    await expectOneLine(
      url,
      `cannot connect to Postgres at ${where}${admin.pathname} (SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string): put the password in DATABASE_URL (postgres://USER:PASSWORD@host:port/database)`,
      { PGPASSWORD: '' },
    );
  }, 60_000);

  it('a DATABASE_URL without a user', async () => {
    const url = new URL(admin);
    url.username = '';
    url.password = '';
    // No PGUSER or USER for pg to fall back on, as in a container.
    await expectOneLine(
      url,
      `cannot connect to Postgres at ${where}${admin.pathname} (no PostgreSQL user name specified in startup packet, 28000): set DATABASE_URL to postgres://USER:PASSWORD@host:port/database with a user this Postgres lets in`,
      { USER: '', PGUSER: '' },
    );
  }, 60_000);
});

describe('npm start on an external Postgres that turns the connection down', () => {
  let temporal: Awaited<ReturnType<typeof createDevServerEnv>>;
  let dataDir: string;
  beforeAll(async () => {
    temporal = await createDevServerEnv();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-refused-'));
  }, 120_000);
  afterAll(async () => {
    await temporal?.teardown();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('a wrong password', async () => {
    const url = new URL(inject('adminDatabaseUrl'));
    url.password = 'not-the-password';
    const start = await runToExit(tsx('start.ts'), {
      DATABASE_URL: url.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      BOOMERANG_DATA_DIR: dataDir,
      PORT: String(await freePort()),
    });
    expect(start).toEqual({
      code: 1,
      stderr: `boomerang: cannot connect to Postgres at ${url.hostname}:${url.port}${url.pathname} (password authentication failed for user "${url.username}", 28P01): fix the user or password in DATABASE_URL\n`,
    });
  }, 120_000);
});

describe('Temporal does not answer', () => {
  const database = useTestDatabase();

  it('at TEMPORAL_ADDRESS, or at the local default where `npm start` runs it', async () => {
    const port = await freePort();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-no-stack-'));
    try {
      const common = { DATABASE_URL: database.url, ...SIGNING_SECRET };
      const set = { ...common, TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
      // No stack on this data directory: the dev server's port, on this machine.
      const unset = {
        ...common,
        TEMPORAL_ADDRESS: '',
        TEMPORAL_DEV_SERVER_PORT: String(port),
        BOOMERANG_DATA_DIR: dataDir,
      };
      const [stop, work, start, stopLocal, workLocal] = await Promise.all([
        runToExit(boomerang('campaign', 'stop', 'welcome'), set),
        runToExit(tsx('worker.ts'), set),
        runToExit(tsx('start.ts'), {
          ...set,
          BOOMERANG_DATA_DIR: dataDir,
          PORT: String(await freePort()),
        }),
        runToExit(boomerang('campaign', 'stop', 'welcome'), unset),
        runToExit(tsx('worker.ts'), unset),
      ]);
      const line = `cannot reach Temporal at 127.0.0.1:${port} (no answer within 5 s): set TEMPORAL_ADDRESS to a Temporal server that is running`;
      const local = `cannot reach Temporal at localhost:${port} (no answer within 5 s): start the stack with \`npm start\`, or set TEMPORAL_ADDRESS to a Temporal server that is running`;
      expect({ stop, work, start, stopLocal, workLocal }).toEqual({
        stop: { code: 1, stderr: `boomerang: ${line}\n` },
        work: { code: 1, stderr: `worker: ${line}\n` },
        start: { code: 1, stderr: `boomerang: ${line}\n` },
        stopLocal: { code: 1, stderr: `boomerang: ${local}\n` },
        workLocal: { code: 1, stderr: `worker: ${local}\n` },
      });
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
