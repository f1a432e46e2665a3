/**
 * Ctrl-C while npm start is still starting stops the stack at once, instead of waiting for the start
 * to finish and then stopping it: while the Temporal dev server starts (its start is abandoned and
 * the server killed, instead of waiting up to a minute for it to answer), while the embedded
 * Postgres initialises, and while the migrations run. A part that fails on its own just as the
 * Ctrl-C comes is still told. Real processes throughout: a "Temporal CLI" that never answers, as a
 * server stuck on its way up; npm start's own embedded Postgres and dev server; a migration lock
 * held by another session of the test Postgres.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, expect, inject, it } from 'vitest';
import { embeddedClusterDir } from '../src/provision/cluster-dir.js';
import { isAlive } from '../src/provision/local-state.js';
import { clusterPostmaster } from '../src/provision/postmaster.js';
import { createTestDatabase, queryRows } from './support/db.js';
import { freePort } from './support/ports.js';
import { type RunningProcess, startTs, until } from './support/processes.js';
import { freeStartPorts, removeStackData, startEnv } from './support/start.js';

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

const dataDirs: string[] = [];
const stacks: RunningProcess[] = [];
afterEach(async () => {
  for (const stack of stacks.splice(0))
    if (stack.child.exitCode === null) {
      process.kill(-stack.child.pid!, 'SIGKILL');
      await stack.exited();
    }
  for (const dataDir of dataDirs.splice(0)) await removeStackData(dataDir);
});

/** npm start on a fresh data directory and free ports, in its own process group as in a terminal. */
async function startStack(env: NodeJS.ProcessEnv = {}) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-stop-while-starting-'));
  dataDirs.push(dataDir);
  // As root the server runs as `postgres`, which must reach its data directory.
  await fs.chmod(dataDir, 0o755);
  const ports = await freeStartPorts();
  const proc = startTs(
    'src/start.ts',
    { ...startEnv(dataDir, ports), TEMPORAL_CLI_PATH: inject('temporalCliPath'), ...env },
    { detached: true },
  );
  stacks.push(proc);
  const { clusterDir } = await embeddedClusterDir(dataDir);
  return { proc, ports, clusterDir };
}

/** What npm start after its last start step would have printed. */
const AFTER_POSTGRES = /applied migrations|database schema is up to date|\[worker\]|\[http\]/;

it('stops on Ctrl-C while the embedded Postgres initialises, and stops its server', async () => {
  const { proc, clusterDir } = await startStack();
  await proc.waitForOutput(/\[postgres\] initialising a new Postgres cluster/, 120_000);

  process.kill(-proc.child.pid!, 'SIGINT');
  const code = await proc.exited();
  const output = proc.output();
  expect(output).toMatch(/boomerang: SIGINT: stopping\n[^]*boomerang: stopped\n/);
  // Before, it went on to migrate and start the parts, only to stop them.
  expect(output).not.toMatch(AFTER_POSTGRES);
  // The start it cut short is no failure.
  expect(output).not.toMatch(/exited \(/);
  expect(code).toBe(0);
  // The server its Postgres part brought up meanwhile is stopped, cleanly.
  expect(await clusterPostmaster(clusterDir)).toBeUndefined();
  await expect(fs.stat(path.join(clusterDir, 'postmaster.pid'))).rejects.toMatchObject({
    code: 'ENOENT',
  });
}, 180_000);

it('tells an embedded Postgres that refuses to start just as Ctrl-C comes', async () => {
  const { proc, ports } = await startStack();
  await proc.waitForOutput(/\[postgres\] initialising a new Postgres cluster/, 120_000);
  // Another program takes the server's port meanwhile: the server will refuse to start.
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(ports.pg, resolve));
  try {
    process.kill(-proc.child.pid!, 'SIGINT');
    // Before, the stop waited for a start that never came: npm start did not exit.
    const code = await proc.exited();
    const output = proc.output();
    expect(output).toMatch(/\[postgres\] Could not start the embedded Postgres on port/);
    expect(
      output.match(/boomerang: the embedded Postgres exited \(code 1\) before it was ready/g),
    ).toHaveLength(1);
    expect(output).toMatch(/boomerang: SIGINT: stopping\n[^]*boomerang: stopped\n/);
    expect(output).not.toMatch(AFTER_POSTGRES);
    expect(code).toBe(1);
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
}, 180_000);

it('stops on Ctrl-C while the migrations run, without waiting for them', async () => {
  const database = await createTestDatabase();
  // Another migrator holds kysely's migration lock: npm start's migrations wait for it.
  const holder = new pg.Client({ connectionString: database.url });
  await holder.connect();
  try {
    await holder.query('select pg_advisory_lock(3853314791062309107)');
    const { proc } = await startStack({ DATABASE_URL: database.url });
    await until(
      async () =>
        (
          await queryRows(
            database.url,
            "select 1 from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and not l.granted and d.datname = current_database()",
          )
        ).length > 0,
      'the migrations to wait for their lock',
      120_000,
    );

    process.kill(-proc.child.pid!, 'SIGINT');
    // Before, the stop waited for the migrations, here for as long as the lock is held.
    const code = await proc.exited();
    const output = proc.output();
    expect(output).toMatch(/boomerang: SIGINT: stopping\n[^]*boomerang: stopped\n/);
    expect(output).not.toMatch(AFTER_POSTGRES);
    expect(code).toBe(0);
  } finally {
    await holder.end();
    // Ends the abandoned migration's session too, still waiting for the lock.
    await database.drop();
  }
}, 180_000);
