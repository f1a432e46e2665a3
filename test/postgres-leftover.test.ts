/**
 * npm start's embedded Postgres never outlives the run: a stop that hangs past its grace period
 * stops the server itself, not only its Postgres part (postgres-main.ts); and a server left
 * running by a part that was killed outright is reported and stopped by the next `npm start`,
 * which then comes up on the same port. A server another `npm start` holds, or one of another data
 * directory, is never touched. Real processes throughout: the embedded Postgres started as npm
 * start starts it, and npm start itself.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from '../src/config.js';
import { embeddedClusterDir } from '../src/provision/cluster-dir.js';
import { localSecrets } from '../src/provision/local-state.js';
import { startSupervisedPostgres } from '../src/provision/postgres-supervised.js';
import {
  clusterPostmaster,
  postmasterPid,
  processRuns,
  stopLeftoverPostmaster,
} from '../src/provision/postmaster.js';
import { Shutdown } from '../src/supervisor.js';
import { freePort } from './support/ports.js';
import { type RunningProcess, until } from './support/processes.js';
import { freeStartPorts, removeStackData, startUp } from './support/start.js';

describe("npm start's embedded Postgres", () => {
  const dataDirs: string[] = [];
  const servers: number[] = [];
  const shutdowns: Shutdown[] = [];
  let stack: RunningProcess | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    if (stack?.child.exitCode === null) {
      process.kill(-stack.child.pid!, 'SIGINT');
      await stack.exited();
    }
    stack = undefined;
    // A test that failed half-way leaves its Postgres part running, which would restart its server.
    for (const shutdown of shutdowns) await shutdown.run();
    shutdowns.length = 0;
    for (const pid of servers) if (await processRuns(pid)) process.kill(pid, 'SIGKILL');
    servers.length = 0;
    for (const dir of dataDirs) await removeStackData(dir);
    dataDirs.length = 0;
  });

  /**
   * The embedded Postgres as `npm start` starts it (its Postgres part, a child process holding the
   * server), on a data directory of its own: the server's pid and its part's.
   */
  const startAsNpmStartDoes = async (shutdown: Shutdown, stopGraceMs?: number) => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-pg-leftover-'));
    dataDirs.push(dataDir);
    // As root the server runs as `postgres`, which must reach its data directory.
    await fs.chmod(dataDir, 0o755);
    const { clusterDir } = await embeddedClusterDir(dataDir);
    const port = await freePort();
    // The part reads its configuration from the environment it inherits.
    vi.stubEnv('BOOMERANG_DATA_DIR', dataDir);
    vi.stubEnv('EMBEDDED_POSTGRES_PORT', String(port));
    const config = loadConfig({ ...process.env, DATABASE_URL: '' });
    shutdowns.push(shutdown);
    await startSupervisedPostgres(
      config,
      clusterDir,
      await localSecrets(config),
      shutdown,
      stopGraceMs,
    );
    const server = await postmasterPid(clusterDir);
    if (!server) throw new Error(`no postmaster.pid in ${clusterDir}`);
    servers.push(server);
    const part = (await clusterPostmaster(clusterDir))?.heldBy;
    if (!part) throw new Error(`the server (pid ${server}) is not held by its Postgres part`);
    return { dataDir, clusterDir, port, server, part };
  };

  it('stops the server itself when its Postgres part does not stop within the grace period, and says so', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    const shutdown = new Shutdown();
    const { server, part } = await startAsNpmStartDoes(shutdown, 500);
    // A part that does not act on SIGTERM, as one whose server's shutdown hangs does not return.
    process.kill(part, 'SIGSTOP');

    await shutdown.run();
    expect(said.slice(-2)).toEqual([
      'boomerang: the embedded Postgres did not stop within 0.5 s of SIGTERM; killing it',
      `boomerang: the embedded Postgres server (pid ${server}) is still running; stopping it at once (immediate shutdown)`,
    ]);
    // Before, only the part was killed, and the server kept the port and the data directory.
    expect(await processRuns(server)).toBe(false);
  }, 120_000);

  it('is stopped when its Postgres part was killed outright while the stack runs, and started again', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    const shutdown = new Shutdown();
    const { clusterDir, server, part } = await startAsNpmStartDoes(shutdown);

    process.kill(part, 'SIGKILL');
    // Before, every restart failed on the server the part left holding the data directory.
    await until(
      async () => said.includes('boomerang: the embedded Postgres is back'),
      'the embedded Postgres to be back',
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; said:\n${said.join('\n')}`);
    });
    expect(said).toContain(
      `boomerang: stopping an embedded Postgres left over from an earlier run (pid ${server}, data in ${clusterDir})`,
    );
    expect(await processRuns(server)).toBe(false);
    const restarted = await clusterPostmaster(clusterDir);
    expect(restarted?.pid).not.toBe(server);
    if (restarted) servers.push(restarted.pid);
  }, 120_000);

  it('is stopped by the next npm start when its Postgres part was killed outright, and that start comes up', async () => {
    const first = new Shutdown();
    const { dataDir, clusterDir, port, server, part } = await startAsNpmStartDoes(first);

    // Held by a running part: neither a start on its data directory nor one on another touches it.
    await expect(stopLeftoverPostmaster(clusterDir)).rejects.toThrow(
      `the embedded Postgres of this data directory (pid ${server}) is run by another \`npm start\` (its Postgres part is pid ${part})`,
    );
    const other = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-pg-other-'));
    dataDirs.push(other);
    // A pid file naming a server of another data directory (its pid reused, as after a reboot).
    await fs.writeFile(path.join(other, 'postmaster.pid'), `${server}\n${clusterDir}\n`);
    await stopLeftoverPostmaster(other);
    expect(await processRuns(server)).toBe(true);

    // The OOM killer takes the part; its supervisor is gone too, so nobody restarts it.
    first.request();
    process.kill(part, 'SIGKILL');
    await until(async () => !(await processRuns(part)), 'the Postgres part to die');
    expect(await processRuns(server)).toBe(true);

    const ports = { ...(await freeStartPorts()), pg: port };
    const next = await startUp(dataDir, {
      ports,
      env: { TEMPORAL_CLI_PATH: inject('temporalCliPath') },
    });
    stack = next.proc;
    expect(next.ports.pg).toBe(port);
    expect(stack.output()).toContain(
      `boomerang: stopping an embedded Postgres left over from an earlier run (pid ${server}, data in ${clusterDir})`,
    );
    expect(await processRuns(server)).toBe(false);
    // Before, the start failed on the port the leftover held.
    expect(stack.output()).toContain('up and running');
  }, 300_000);
});
