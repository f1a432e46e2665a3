/**
 * `npm start` as a user runs it: the whole stack on embedded defaults, the skeleton's CLI command,
 * the workflow visible through the Web UI, Ctrl-C or SIGTERM stopping every part (said once), and a
 * restart keeping state.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { embeddedClusterDir } from '../../src/provision/cluster-dir.js';
import { freeStartPorts, removeStackData, startEnv, startUp } from '../support/start.js';
import { portOpen, type RunningProcess, startTs } from '../support/processes.js';

const exec = promisify(execFile);

describe('npm start', () => {
  it('refuses a bad environment with a message naming each bad variable, and no stack trace', async () => {
    const proc = startTs('src/start.ts', {
      PORT: 'eighty',
      SHOP_TIMEZONE: 'Mars/Olympus',
      BOOMERANG_DATA_DIR: os.tmpdir(),
    });
    expect(await proc.exited()).toBe(1);
    expect(proc.output()).toMatch(/PORT: must be a port number \(got "eighty"\)/);
    expect(proc.output()).toMatch(/SHOP_TIMEZONE: must be an IANA time zone/);
    expect(proc.output()).not.toMatch(/\n\s+at /);
  });

  let dataDir: string;
  let stack: RunningProcess | undefined;
  afterAll(async () => {
    if (stack?.child.pid && stack.child.exitCode === null)
      process.kill(-stack.child.pid, 'SIGKILL');
    if (dataDir) await removeStackData(dataDir);
  });

  it('runs the stack, shows a CLI-started workflow in the Web UI, stops on Ctrl-C or SIGTERM and resumes on restart', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-'));
    await fs.chmod(dataDir, 0o755);
    // Its own process group, like a terminal session: Ctrl-C is a SIGINT to the whole group.
    // A restart keeps its ports unless another program took one meanwhile.
    const tools = { TEMPORAL_CLI_PATH: inject('temporalCliPath') };
    const up = await startUp(dataDir, { env: tools });
    let { ports, env } = up;
    const launch = async () => {
      const started = await startUp(dataDir, { ports, env: tools });
      ({ ports, env } = started);
      return started.proc;
    };
    // Ctrl-C is a SIGINT to the whole group; `docker stop` or systemd send SIGTERM.
    const stop = async (proc: RunningProcess, signal: 'SIGINT' | 'SIGTERM') => {
      process.kill(-proc.child.pid!, signal);
      // The signal again once it is taken, as tsx (`npm start`'s runner) relays the group's to us,
      // or a user presses Ctrl-C twice: the stop goes on, and is announced once.
      await proc.waitForOutput(new RegExp(`${signal}: stopping`));
      if (proc.child.exitCode === null) process.kill(proc.child.pid!, signal);
      expect(await proc.exited()).toBe(0);
      expect(proc.output().match(/SIG[A-Z]+: stopping/g)).toEqual([`${signal}: stopping`]);
      for (const port of Object.values(ports))
        expect(await portOpen(port), `port ${port} still open after stop`).toBe(false);
    };

    stack = up.proc;
    expect(stack.output()).toContain(`http://localhost:${ports.ui}`);
    expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);

    // The operator key is printed with where it is kept, and signs in to the dashboard.
    const secretsFile = path.join(dataDir, 'secrets.json');
    expect(stack.output()).toContain(`Keys kept in      ${secretsFile}`);
    // The banner (often kept in logs) shows only the key's prefix and end; the file has it whole.
    const { BOOMERANG_OPERATOR_KEY: operatorKey } = JSON.parse(
      await fs.readFile(secretsFile, 'utf8'),
    ) as { BOOMERANG_OPERATOR_KEY: string };
    expect(stack.output()).toMatch(new RegExp(`Operator key +bmr_op_…${operatorKey.slice(-4)} `));
    expect(stack.output()).not.toContain(operatorKey);
    const dashboard = `http://127.0.0.1:${ports.http}/dashboard`;
    expect((await fetch(dashboard)).status).toBe(401);
    const signedIn = await fetch(dashboard, {
      headers: {
        authorization: `Basic ${Buffer.from(`operator:${operatorKey}`).toString('base64')}`,
      },
    });
    expect(signedIn.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.http}/metrics`)).status).toBe(401);

    // The state is its owner's only: the directory, the keys, the stack's addresses, the histories.
    const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;
    expect(await mode(dataDir)).toBe(0o700);
    for (const file of ['secrets.json', 'stack.json', 'temporal.sqlite'])
      expect(await mode(path.join(dataDir, file)), file).toBe(0o600);

    // Postgres: generated passwords; the application's role is no superuser and owns its schema.
    const secrets = JSON.parse(await fs.readFile(secretsFile, 'utf8')) as Record<string, string>;
    const state = JSON.parse(await fs.readFile(path.join(dataDir, 'stack.json'), 'utf8')) as {
      databaseUrl: string;
    };
    const appUrl = new URL(state.databaseUrl);
    expect(appUrl.username).toBe('boomerang_app');
    expect(decodeURIComponent(appUrl.password)).toBe(secrets.POSTGRES_APP_PASSWORD);
    const wellKnown = new pg.Client({
      connectionString: `postgres://boomerang:boomerang@127.0.0.1:${ports.pg}/postgres`,
    });
    await expect(wellKnown.connect()).rejects.toThrow(/password authentication failed/);
    const app = new pg.Client({ connectionString: state.databaseUrl });
    await app.connect();
    try {
      const { rows } = await app.query<{ rolsuper: boolean; rolcreatedb: boolean; owner: string }>(
        `SELECT r.rolsuper, r.rolcreatedb, pg_get_userbyid(n.nspowner) AS owner
           FROM pg_roles r, pg_namespace n WHERE r.rolname = current_user AND n.nspname = 'public'`,
      );
      expect(rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, owner: 'boomerang_app' });
      const tables = await app.query<{ owner: string }>(
        `SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'`,
      );
      expect(tables.rows).toEqual([{ owner: 'boomerang_app' }]);
      await expect(app.query('CREATE DATABASE stolen')).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }

    // The CLI finds the running stack by itself: nothing exported (its Web UI links included),
    // ports not the defaults.
    const { TEMPORAL_UI_PORT: _uiPort, ...cliEnv } = { ...process.env, ...env };
    const cli = (args: string[]) =>
      exec(process.execPath, [path.join(PROJECT_ROOT, 'bin/boomerang.js'), ...args], {
        env: { ...cliEnv, TEMPORAL_UI_URL: '' },
      });
    const count = await cli(['segment', 'count', 'Customers to reengage']);
    expect(count.stdout).toMatch(/\d/);
    const { stdout } = await cli(['greet', 'Ada', '--json']);
    const started = JSON.parse(stdout) as {
      workflowId: string;
      url: string;
      result: { messages: string[] };
    };
    expect(started.result.messages).toEqual(['Hello, Ada!', 'Goodbye, Ada!']);
    expect(started.url).toContain(`http://localhost:${ports.ui}/namespaces/default/workflows/`);

    const uiApi = () =>
      `http://127.0.0.1:${ports.ui}/api/v1/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}`;
    const describe1 = (await (await fetch(uiApi())).json()) as {
      workflowExecutionInfo: { status: string };
    };
    expect(describe1.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    // A second start on the same data directory refuses, naming the running one, and harms nothing.
    const second = startTs('src/start.ts', env);
    expect(await second.exited()).toBe(1);
    expect(second.output()).toMatch(/another `npm start` \(pid \d+\) is running/);
    expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);
    expect(
      ((await (await fetch(uiApi())).json()) as { workflowExecutionInfo: { status: string } })
        .workflowExecutionInfo.status,
    ).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    await stop(stack, 'SIGINT');
    expect(stack.output()).toMatch(/boomerang: stopped/);

    stack = await launch();
    expect(stack.output()).toMatch(/database schema is up to date/);
    const describe2 = (await (await fetch(uiApi())).json()) as {
      workflowExecutionInfo: { status: string };
    };
    expect(describe2.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    await stop(stack, 'SIGTERM');
  }, 400_000);

  // Containers run as root with the clone in /root (0700): the `postgres` user the embedded server
  // runs as reaches neither node_modules nor .data there. Only root has this problem.
  it.runIf(os.userInfo().uid === 0)(
    'as root, npm start runs from a clone in a 0700 home on its own defaults, and stops whole when npm alone gets SIGTERM',
    async () => {
      const home = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-root-home-'));
      await fs.chmod(home, 0o700);
      const clone = path.join(home, 'clone');
      await fs.mkdir(clone);
      // Hard links: a full copy of the project, node_modules included, in seconds.
      for (const entry of await fs.readdir(PROJECT_ROOT))
        if (!['.data', '.git'].includes(entry))
          await exec('cp', ['-al', path.join(PROJECT_ROOT, entry), clone]);
      const dataDir = path.join(clone, '.data');
      const ports = await freeStartPorts();
      // `npm start` itself: a service manager stopping it signals npm alone, not its group.
      const child = spawn('npm', ['start'], {
        cwd: clone,
        env: {
          ...process.env,
          ...startEnv('', ports),
          TEMPORAL_CLI_PATH: inject('temporalCliPath'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 150_000;
        while (!/up and running/.test(output) && child.exitCode === null && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 500));
        expect(output, output).toMatch(/up and running/);
        expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);
        expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
        process.kill(child.pid!, 'SIGTERM');
        expect(await exited).toBe(0);
        expect(output).toMatch(/boomerang: stopped/);
        for (const port of Object.values(ports))
          expect(await portOpen(port), `port ${port} still open after stop`).toBe(false);
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
        const { clusterDir } = await embeddedClusterDir(dataDir);
        if (!clusterDir.startsWith(home))
          await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
        await fs.rm(home, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
