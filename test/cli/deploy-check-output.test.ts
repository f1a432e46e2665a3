/**
 * `npx boomerang deploy check` in its own process prints what the README shows — the count, the
 * table, the verdict — and not the SDK's INFO log of the replay worker it runs (webpack's report of
 * every bundled module, each worker state change), which buried those lines on stderr; and, when
 * Temporal does not answer or has no such namespace, says so and exits instead of hanging.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/processes.js';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

function runBoomerang(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/boomerang.js'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    // A command that hangs is not left behind: SIGKILL, as a hung one ignored SIGTERM.
    timeout: 100_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('deploy check, as an operator runs it', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;

  beforeAll(async () => {
    [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  it('prints its own lines only: the replay worker logs nothing below a warning', async () => {
    // A running workflow no worker polls for: its history is one to replay.
    await env.client.workflow.start('greetingWorkflow', {
      workflowId: 'deploy-check-output/1',
      taskQueue: 'deploy-check-output-nobody',
      args: [{ name: 'Ada' }],
    });
    const run = await runBoomerang(['deploy', 'check'], {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: env.address,
      BOOMERANG_DATA_DIR: path.join(PROJECT_ROOT, 'test', '.artifacts', 'no-stack-here'),
    });
    expect(run.stdout).toContain(
      '1 of 1 running workflows replayed against src/workflows/index.ts',
    );
    expect(run.stdout).toContain('ok: every checked workflow replays on this code');
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/\[INFO\]|webpack|Worker state changed/);
  }, 120_000);

  it("keeps --json JSON when a workflow would fail: core's warning of each failed replay stays off stdout", async () => {
    // A greeting whose first task ran (its first activity scheduled, never run: the worker has
    // no activities), so that code which sleeps first no longer replays it.
    const taskQueue = uniqueTaskQueue('deploy-check-output');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
    });
    const handle = await env.client.workflow.start('greetingWorkflow', {
      workflowId: 'deploy-check-output/2',
      taskQueue,
      args: [{ name: 'Ada' }],
    });
    await worker.runUntil(
      until(async () => {
        const { events } = await handle.fetchHistory();
        return events?.some((e) => e.activityTaskScheduledEventAttributes);
      }, 'the first greeting scheduled'),
    );
    const run = await runBoomerang(
      [
        'deploy',
        'check',
        '--json',
        '--workflows',
        path.join(PROJECT_ROOT, 'test/fixtures/workflows/greeting-reordered.ts'),
      ],
      {
        DATABASE_URL: database.url,
        TEMPORAL_ADDRESS: env.address,
        BOOMERANG_DATA_DIR: path.join(PROJECT_ROOT, 'test', '.artifacts', 'no-stack-here'),
      },
    );
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { ok: boolean; failures: unknown[] };
    expect(result.ok).toBe(false);
    expect(result.failures).toEqual([
      expect.objectContaining({
        workflowId: 'deploy-check-output/2',
        mismatch: expect.stringMatching(/^\[TMPRL1100\] Nondeterminism error: /),
      }),
    ]);
    // The command reports each failure; core's warning of the same would double it.
    expect(run.stderr).not.toMatch(/Failing workflow task/);
  }, 120_000);

  it('stops with the reason when Temporal does not answer, lacks the namespace or set-current refuses, instead of hanging', async () => {
    const common = {
      DATABASE_URL: database.url,
      BOOMERANG_DATA_DIR: path.join(PROJECT_ROOT, 'test', '.artifacts', 'no-stack-here'),
    };
    const [closed, noNamespace, setCurrent] = await Promise.all([
      runBoomerang(['deploy', 'check'], {
        ...common,
        TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      }),
      runBoomerang(['deploy', 'check'], {
        ...common,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'no-such-namespace',
      }),
      // Refused before any replay: another version's build id than the working tree's code.
      runBoomerang(['deploy', 'set-current', 'wf-000000000000'], {
        ...common,
        TEMPORAL_ADDRESS: env.address,
      }),
    ]);
    expect(closed.stderr).toMatch(/^boomerang: cannot reach Temporal at 127\.0\.0\.1:\d+ /);
    expect(closed.code).toBe(1);
    expect(noNamespace.stderr).toMatch(/^boomerang: .*no-such-namespace/);
    expect(noNamespace.code).toBe(1);
    expect(setCurrent.stderr).toMatch(/^boomerang: not making wf-000000000000 current: /);
    expect(setCurrent.code).toBe(1);
  }, 120_000);
});
