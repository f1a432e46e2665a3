/**
 * `npm start` shows addresses, not build logs: the worker's logger drops webpack's module report
 * and the messages worker's "No workflows registered" warning, and keeps everything else. Checked
 * against a real bundle of the workflows and the SDK's own warning text, and on the output of a
 * worker process as `npm start` runs it (every start path runs the same worker).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LogLevel } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { isStartupNoise, QuietLogger } from '../../src/temporal/quiet-logger.js';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { useStack } from '../support/stack.js';
import { uniqueTaskQueue } from '../support/temporal.js';

function capturing() {
  const lines: { level: LogLevel; message: string }[] = [];
  const logger = new DefaultLogger('TRACE', ({ level, message }) => lines.push({ level, message }));
  return { lines, logger };
}

describe('the worker log at start', () => {
  it("drops webpack's module report from a real bundle, keeps the bundle's size line", async () => {
    const loud = capturing();
    await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: loud.logger });
    // Without the filter the module report is there: the check below can fail.
    expect(loud.lines.some((l) => /webpack [\d.]+ compiled/.test(l.message))).toBe(true);

    const quiet = capturing();
    await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: new QuietLogger({ inner: quiet.logger }),
    });
    expect(quiet.lines.some((l) => /webpack|modules by path|\.ts \d/.test(l.message))).toBe(false);
    expect(quiet.lines.map((l) => l.message)).toContain('Workflow bundle created');
  });

  it("drops the SDK's own no-workflows warning, and passes other warnings and errors", () => {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('@temporalio/worker/lib/worker.js'), 'utf8');
    const warning = /logger\.warn\('(No workflows registered[^']*)'\)/.exec(source)![1]!;
    expect(isStartupNoise('WARN', warning)).toBe(true);
    expect(isStartupNoise('WARN', 'Activity failed')).toBe(false);
    expect(isStartupNoise('ERROR', 'webpack 5.0.0 compiled with 1 error')).toBe(false);

    const out = capturing();
    const quiet = new QuietLogger({ inner: out.logger });
    quiet.warn(warning);
    quiet.warn('Activity failed');
    quiet.error('Workflow bundle failed');
    expect(out.lines.map((l) => l.message)).toEqual(['Activity failed', 'Workflow bundle failed']);
  });
});

describe('a worker process as npm start runs it', () => {
  const stack = useStack();

  it('prints its own lines and no bundle report, state objects or Nexus notices', async () => {
    const worker = await stack.startWorkerProcess('src/worker.ts', uniqueTaskQueue('quiet'));
    // The three workers report RUNNING just after the polling line; give them the time.
    await new Promise((r) => setTimeout(r, 3000));
    worker.child.kill('SIGTERM');
    expect(await worker.exited()).toBe(0);
    const output = worker.output();
    expect(output).toMatch(/worker: polling task queues/);
    expect(output).toMatch(/\[INFO\] Workflow bundle created \{ size: '[\d.]+MB' \}\n/);
    expect(output).not.toMatch(/webpack|modules by path/);
    expect(output).not.toMatch(/Worker state changed|No Nexus services registered/);
    // Every SDK entry is one line: no line of a multi-line object ("  taskQueue: 'x',", "}").
    expect(output.split('\n').filter((line) => /^(\s+\w+: |\}$)/.test(line))).toEqual([]);
  }, 120_000);
});
