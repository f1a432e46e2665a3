/**
 * `npm start -- --temporal server --workers 2` as a user runs it: the stack on the production
 * Temporal server with the standalone Web UI and two workers, a CLI-started workflow seen through
 * the UI's API, the server killed (SIGKILL) and started again by npm start with the workers
 * carrying on, the Web UI killed and started again on its port, and Ctrl-C stopping every part.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { freeServerPorts } from '../../src/provision/temporal-server.js';
import { freeStartPorts, removeStackData, startUp } from '../support/start.js';
import { portOpen, type RunningProcess, until } from '../support/processes.js';
import {
  SERVER_BUILD_TIMEOUT_MS,
  testServerBinaries,
  testUiServer,
} from '../support/temporal-server.js';

const exec = promisify(execFile);

describe('npm start -- --temporal server', () => {
  let dataDir: string;
  let stack: RunningProcess | undefined;
  // npm start builds what the cache lacks before it is up; built here, its wait below is a start only.
  beforeAll(async () => {
    await testServerBinaries();
    await testUiServer();
  }, SERVER_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    if (stack?.child.pid && stack.child.exitCode === null) {
      process.kill(-stack.child.pid, 'SIGKILL');
      // The Temporal server and the Web UI run in process groups of their own: a failed test
      // would leave them running.
      for (const file of ['temporal-server.pid', 'temporal-ui.pid']) {
        const text = await fs.readFile(path.join(dataDir, file), 'utf8').catch(() => '');
        const pid = Number(text.split(/\s+/)[0]);
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    }
    if (dataDir) await removeStackData(dataDir);
  });

  it(
    'runs the stack on the production server with two workers and the Web UI, and stops on Ctrl-C',
    async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-start-server-'));
      await fs.chmod(dataDir, 0o755);
      const up = await startUp(dataDir, {
        // Temporal below 32768, like the server's other ports (freeServerPorts).
        pickPorts: async () => freeStartPorts((await freeServerPorts()).frontend),
        args: ['--temporal', 'server', '--workers', '2'],
        timeoutMs: 300_000,
      });
      const { ports, env } = up;
      stack = up.proc;
      expect(stack.output()).toMatch(/production server on Postgres/);
      expect(stack.output()).toMatch(/\[worker-1\] worker: polling task queue/);
      expect(stack.output()).toMatch(/\[worker-2\] worker: polling task queue/);

      const greet = async (name: string) => {
        const { stdout } = await exec(
          process.execPath,
          [path.join(PROJECT_ROOT, 'bin/boomerang.js'), 'greet', name, '--json'],
          {
            env: {
              ...process.env,
              ...env,
              TEMPORAL_ADDRESS: `localhost:${ports.temporal}`,
              TEMPORAL_UI_URL: '',
            },
          },
        );
        return JSON.parse(stdout) as { workflowId: string; result: { messages: string[] } };
      };
      const started = await greet('Ada');
      expect(started.result.messages).toEqual(['Hello, Ada!', 'Goodbye, Ada!']);

      // The standalone UI server reads the production server.
      const uiStatus = async (workflowId: string) => {
        const uiApi = `http://127.0.0.1:${ports.ui}/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
        const described = (await (await fetch(uiApi)).json()) as {
          workflowExecutionInfo: { status: string };
        };
        return described.workflowExecutionInfo.status;
      };
      expect(await uiStatus(started.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);

      // A pid file holds the server's pid, then its supervisor's (writeServerPidFile).
      const pidIn = async (file: string) =>
        Number((await fs.readFile(path.join(dataDir, file), 'utf8')).split(/\s+/)[0]);

      // The server dies: npm start says so and starts it again; the workers carry on with it.
      process.kill(await pidIn('temporal-server.pid'), 'SIGKILL');
      await until(
        async () => /the Temporal server is back/.test(stack!.output()) || undefined,
        'the Temporal server to be started again',
        180_000,
      );
      expect(stack.output()).toMatch(
        /the Temporal server exited \(SIGKILL\); restarting it in \d+ s/,
      );
      const grace = await greet('Grace');
      expect(grace.result.messages).toEqual(['Hello, Grace!', 'Goodbye, Grace!']);

      // The Web UI dies: npm start says so and starts it again on its port, reading the server.
      const ui = await pidIn('temporal-ui.pid');
      process.kill(ui, 'SIGKILL');
      await until(
        async () => /the Temporal Web UI is back/.test(stack!.output()) || undefined,
        'the Temporal Web UI to be started again',
        60_000,
      );
      expect(stack.output()).toMatch(
        new RegExp(
          `the Temporal Web UI exited \\(SIGKILL\\); restarting it in \\d+ s on port ${ports.ui} \\(log: .*temporal-ui\\.log\\)`,
        ),
      );
      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
      expect(await uiStatus(grace.workflowId)).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
      // The new UI server's pid, for a later start to reap should npm start be killed outright.
      expect(await pidIn('temporal-ui.pid')).not.toBe(ui);

      process.kill(-stack.child.pid!, 'SIGINT');
      expect(await stack.exited()).toBe(0);
      expect(stack.output()).toMatch(/boomerang: stopped/);
      for (const port of Object.values(ports))
        expect(await portOpen(port), `port ${port} still open after stop`).toBe(false);
      const left = await fs.readdir(dataDir);
      expect(left.filter((f) => f.endsWith('.pid'))).toEqual([]);
    },
    SERVER_BUILD_TIMEOUT_MS,
  );
});
