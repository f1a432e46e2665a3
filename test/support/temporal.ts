/** Temporal test environments on the provisioned binaries, and the workflow bundle built once per run. */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { BOOMERANG_SEARCH_ATTRIBUTES } from '../../src/domain/search-attributes.js';
import { DEV_SERVER_DYNAMIC_CONFIG_FLAGS } from '../../src/provision/dev-server.js';

let runtimeInstalled = false;
/** Keeps worker logs to warnings so test output stays readable. */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
  });
}

/** A dev server as `npm start` runs it; `eagerStart: false` turns the server's eager starts off. */
export async function createDevServerEnv(
  opts: { eagerStart?: boolean } = {},
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCliPath') },
      searchAttributes: [...BOOMERANG_SEARCH_ATTRIBUTES],
      extraArgs:
        opts.eagerStart === false
          ? ['--dynamic-config-value', 'system.enableEagerWorkflowStart=false']
          : DEV_SERVER_DYNAMIC_CONFIG_FLAGS,
    },
  });
}

export function workflowBundle(): { codePath: string } {
  return { codePath: inject('workflowBundlePath') };
}

/** Each test its own task queue, so workers of different tests never take each other's tasks. */
export function uniqueTaskQueue(name = 'test'): string {
  return `${name}-${randomUUID()}`;
}
