/**
 * The full stack of an end-to-end test file: a Temporal server (the dev server, or the
 * time-skipping test server), a fresh database and, when asked for, the real worker pair; worker
 * processes the tests start are SIGKILLed after the file, before the rest is stopped.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import { type BoomerangClient, createBoomerangClient } from '../../src/client.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { type RunningProcess, startTs } from './processes.js';
import { createDevServerEnv, createTimeSkippingEnv } from './temporal.js';
import { type RunningWorkers, startRealWorkers } from './workers.js';

/** The shop's public addresses, for workers whose emails carry links. */
export const SHOP_ENV = {
  BOOMERANG_PUBLIC_URL: 'https://shop.example',
  SHOP_URL: 'https://shop.example/',
};

export interface Stack {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  /** The real workers, when `workers` was given. */
  workers?: RunningWorkers;
  /** Worker processes started by the tests: SIGKILLed after the file. */
  processes: RunningProcess[];
  /**
   * Starts `script` (src/worker.ts or a stand-in) as a worker process on the stack's Temporal
   * server and database, polling `taskQueue`, and waits until it polls.
   */
  startWorkerProcess(
    script: string,
    taskQueue: string,
    env?: NodeJS.ProcessEnv,
  ): Promise<RunningProcess>;
}

export function useStack(
  opts: {
    /** The time-skipping test server instead of the dev server. */
    timeSkipping?: boolean;
    /** Starts the real workers (startRealWorkers) with these options. */
    workers?: Parameters<typeof startRealWorkers>[2];
    /** More setup of the file's, in the same hook (so under the same timeout). */
    setup?: (stack: Stack) => Promise<void>;
    /** The timeout of the setup hook, when not the configured one. */
    timeout?: number;
  } = {},
): Stack {
  const stack = {
    processes: [] as RunningProcess[],
    async startWorkerProcess(script, taskQueue, env = {}) {
      const worker = startTs(script, {
        TEMPORAL_ADDRESS: stack.env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATABASE_URL: stack.database.url,
        BOOMERANG_SIGNING_SECRET: 's3cret',
        ...env,
      });
      stack.processes.push(worker);
      await worker.waitForOutput(/polling task queue/);
      return worker;
    },
  } as Stack;
  beforeAll(async () => {
    [stack.env, stack.database] = await Promise.all([
      opts.timeSkipping ? createTimeSkippingEnv() : createDevServerEnv(),
      createTestDatabase(),
    ]);
    if (opts.workers)
      stack.workers = await startRealWorkers(stack.env, stack.database.db, opts.workers);
    await opts.setup?.(stack);
  }, opts.timeout);
  afterAll(async () => {
    for (const w of stack.processes) w.child.kill('SIGKILL');
    await stack.workers?.stop();
    await stack.env?.teardown();
    await stack.database?.drop();
  });
  return stack;
}

/**
 * A Boomerang client built as a shop's own code builds it, from the environment (DATABASE_URL,
 * TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE) — here the stack's, set for the file and restored after.
 * Call after `useStack` with workers.
 */
export function useClientFromEnvironment(stack: Stack): { readonly client: BoomerangClient } {
  let client: BoomerangClient | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    const env = {
      DATABASE_URL: stack.database.url,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: stack.workers!.taskQueue,
    };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    client = createBoomerangClient();
  });
  afterAll(async () => {
    await client?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
  return {
    get client() {
      if (!client) throw new Error('the client exists once the stack has started (beforeAll)');
      return client;
    },
  };
}
