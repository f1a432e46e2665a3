/**
 * "Error: Channel has been shut down" after a command's success line: a call still in flight when
 * the command closed its connection was retried from a timer. The CLI context settles its calls
 * before closing; the twin, a connection closed at once, still shows the crash.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTs } from '../support/processes.js';
import { createDevServerEnv } from '../support/temporal.js';

describe('closing the CLI connection with a call in flight on a loaded server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const run = async (mode: 'cli' | 'bare') => {
    const child = startTs('test/support/close-race.ts', {
      UPSTREAM_TEMPORAL: env.address,
      CLOSE_MODE: mode,
    });
    const code = await child.exited();
    return { code, output: child.output() };
  };

  it('settles the call, then closes: exit 0, no crash', async () => {
    const { code, output } = await run('cli');
    expect(output).toContain('call settled');
    expect(output).toContain('exit clean');
    expect(output).not.toMatch(/Channel has been shut down/);
    expect(code).toBe(0);
  });

  it('twin: closing at once lets the retry crash the process', async () => {
    const { code, output } = await run('bare');
    expect(output).toMatch(/Channel has been shut down/);
    expect(code).not.toBe(0);
  });
});
