/**
 * `npm start` as a user runs it: the whole stack on embedded defaults, the skeleton's CLI command,
 * the workflow visible through the Web UI, Ctrl-C stopping every part, and a restart keeping state.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { freePort } from '../global-setup.js';
import { type RunningProcess, startTs } from '../support/processes.js';

const exec = promisify(execFile);

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

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
    if (dataDir)
      await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('runs the stack, shows a CLI-started workflow in the Web UI, stops on Ctrl-C and resumes on restart', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-'));
    await fs.chmod(dataDir, 0o755);
    const ports = {
      temporal: await freePort(),
      ui: await freePort(),
      pg: await freePort(),
      http: await freePort(),
    };
    const env = {
      BOOMERANG_DATA_DIR: dataDir,
      TEMPORAL_DEV_SERVER_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMBEDDED_POSTGRES_PORT: String(ports.pg),
      PORT: String(ports.http),
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
    };
    const launch = async () => {
      // Its own process group, like a terminal session: Ctrl-C is a SIGINT to the whole group.
      const proc = startTs('src/start.ts', env, { detached: true });
      await proc.waitForOutput(/up and running/, 150_000);
      return proc;
    };
    const ctrlC = async (proc: RunningProcess) => {
      process.kill(-proc.child.pid!, 'SIGINT');
      expect(await proc.exited()).toBe(0);
      for (const port of Object.values(ports))
        expect(await portOpen(port), `port ${port} still open after stop`).toBe(false);
    };

    stack = await launch();
    expect(stack.output()).toContain(`http://localhost:${ports.ui}`);
    expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);

    const { stdout } = await exec(
      process.execPath,
      [path.join(PROJECT_ROOT, 'bin/boomerang.js'), 'greet', 'Ada', '--json'],
      {
        env: {
          ...process.env,
          ...env,
          TEMPORAL_ADDRESS: `localhost:${ports.temporal}`,
          TEMPORAL_UI_URL: '',
        },
      },
    );
    const started = JSON.parse(stdout) as {
      workflowId: string;
      url: string;
      result: { messages: string[] };
    };
    expect(started.result.messages).toEqual(['Hello, Ada!', 'Goodbye, Ada!']);
    expect(started.url).toContain(`http://localhost:${ports.ui}/namespaces/default/workflows/`);

    const uiApi = `http://127.0.0.1:${ports.ui}/api/v1/namespaces/default/workflows/${encodeURIComponent(started.workflowId)}`;
    const describe1 = (await (await fetch(uiApi)).json()) as {
      workflowExecutionInfo: { status: string };
    };
    expect(describe1.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    // A second start on the same data directory refuses, naming the running one, and harms nothing.
    const second = startTs('src/start.ts', env);
    expect(await second.exited()).toBe(1);
    expect(second.output()).toMatch(/another `npm start` \(pid \d+\) is running/);
    expect((await fetch(`http://127.0.0.1:${ports.http}/readyz`)).status).toBe(200);
    expect(
      ((await (await fetch(uiApi)).json()) as { workflowExecutionInfo: { status: string } })
        .workflowExecutionInfo.status,
    ).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');

    await ctrlC(stack);
    expect(stack.output()).toMatch(/boomerang: stopped/);

    stack = await launch();
    expect(stack.output()).toMatch(/database schema is up to date/);
    const describe2 = (await (await fetch(uiApi)).json()) as {
      workflowExecutionInfo: { status: string };
    };
    expect(describe2.workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    await ctrlC(stack);
  }, 400_000);
});
