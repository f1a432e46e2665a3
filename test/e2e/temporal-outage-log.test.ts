/**
 * A worker process as `npm start` runs it, on a Temporal dev server of its own. Its workflow tasks
 * all count as slow (the threshold of core's [TMPRL1104] warning set to 0 s, as a saturated machine
 * passes 5 s): the first is told with what it means, the others counted. Then the server is
 * killed: the log says once that Temporal does not answer and stays readable — a handful of lines,
 * where core printed each poller's retry, several a second — and says when Temporal answers again
 * after a restart on the same port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import { DEV_SERVER_DYNAMIC_CONFIG_FLAGS } from '../../src/provision/dev-server.js';
import { waitForFrontend } from '../../src/provision/temporal-server.js';
import { devServerSearchAttributeFlags } from '../../src/temporal/search-attributes.js';
import { useTestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { type RunningProcess, startTs } from '../support/processes.js';
import { uniqueTaskQueue } from '../support/temporal.js';

/** How long the outage is watched: core's retries print some 100 lines in the first seconds. */
const OUTAGE_WATCHED_MS = 25_000;

describe("a worker's log when Temporal is busy, dies and comes back", () => {
  const database = useTestDatabase();
  const taskQueue = uniqueTaskQueue('outage-log');
  let stateDir: string;
  let port: number;
  let server: ChildProcess | undefined;
  let worker: RunningProcess | undefined;

  const startServer = async (port: number) => {
    const child = spawn(
      inject('temporalCliPath'),
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--db-filename',
        path.join(stateDir, 'temporal.sqlite'),
        '--log-level',
        'error',
        ...devServerSearchAttributeFlags(),
        ...DEV_SERVER_DYNAMIC_CONFIG_FLAGS,
      ],
      { stdio: 'ignore' },
    );
    server = child;
    await waitForFrontend(`127.0.0.1:${port}`, child, {
      what: 'the Temporal dev server',
      timeoutMs: 60_000,
    });
  };

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    server?.kill('SIGKILL');
    if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-outage-log-'));
    port = await freePort();
    await startServer(port);
    worker = startTs('src/worker.ts', {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: database.url,
      BOOMERANG_SIGNING_SECRET: 's3cret',
      TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS: '0',
    });
    await worker.waitForOutput(/polling task queue/, 120_000);
  }, 180_000);

  it('tells the first slow workflow task with what it means, and counts the others', async () => {
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const client = new Client({ connection });
      const runs = Array.from({ length: 6 }, (_, i) =>
        client.workflow.execute(greetingWorkflow, {
          taskQueue,
          workflowId: `slow-task-${i}`,
          args: [{ name: `slow ${i}`, pause: '10 ms' }],
        }),
      );
      await Promise.all(runs);
    } finally {
      await connection.close();
    }
    // Six greetings, four workflow tasks each: one line.
    const slow = worker!
      .output()
      .split('\n')
      .filter((l) => l.includes('TMPRL1104'));
    expect(slow, slow.join('\n')).toHaveLength(1);
    expect(slow[0]).toMatch(
      /\[TMPRL1104\] .* Workflow task duration exceeded 0 seconds \(greetingWorkflow, \d+ ms\): workflow tasks run slowly, usually because the machine is saturated/,
    );
  }, 120_000);

  it('says once that Temporal does not answer, keeps quiet, and says when it answers again', async () => {
    const before = worker!.output().length;
    const exited = new Promise((r) => server!.once('exit', r));
    server!.kill('SIGKILL');
    await exited;
    await delay(OUTAGE_WATCHED_MS);
    const outage = worker!.output().slice(before).split('\n').filter(Boolean);
    const said = `--- the worker said during the outage:\n${outage.slice(0, 20).join('\n')}`;
    expect(outage.length, said).toBeLessThanOrEqual(3);
    expect(outage.join('\n'), said).toMatch(
      new RegExp(
        `Temporal at 127\\.0\\.0\\.1:${port} does not answer \\(Unavailable: .*\\); retrying`,
      ),
    );

    await startServer(port);
    await worker!.waitForOutput(
      new RegExp(`Temporal at 127\\.0\\.0\\.1:${port} answers again`),
      60_000,
    );
    worker!.child.kill('SIGTERM');
    expect(await worker!.exited()).toBe(0);
  }, 300_000);
});
