/** The real workers (journeys, control workflows, sends) with real activities, for end-to-end tests. */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createChannels } from '../../src/channels/index.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/database.js';
import { createWorkers } from '../../src/worker.js';
import { uniqueTaskQueue, workflowBundle } from './temporal.js';
import { clientOnWorkerConnection } from '../../src/temporal/connection.js';

export interface RunningWorkers {
  config: Config;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * Starts the three workers on a fresh task queue. `env` adds configuration (secrets, URLs);
 * `searchAttributes: false` for the time-skipping test server, which has none.
 */
export async function startRealWorkers(
  testEnv: TestWorkflowEnvironment,
  db: Db,
  opts: {
    env?: NodeJS.ProcessEnv;
    searchAttributes?: boolean;
    name?: string;
    /** Journeys the workers start go through their own connection, eagerly, as `npm run worker`'s do. */
    eagerStart?: boolean;
  } = {},
): Promise<RunningWorkers> {
  const config = loadConfig({
    BOOMERANG_SIGNING_SECRET: 'test-secret',
    // Tests run at any hour of the day: SMS quiet hours (09:00-20:00 by default) would hold an SMS
    // for up to 13 hours of a clock the test does not move. The quiet-hours tests set their own.
    SMS_SEND_HOURS: 'any',
    ...opts.env,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(opts.name ?? 'real'),
  });
  const deps = {
    db,
    config,
    temporal: opts.eagerStart
      ? clientOnWorkerConnection(testEnv.nativeConnection, config)
      : testEnv.client,
    eagerStart: opts.eagerStart,
    channels: createChannels(config, db),
    searchAttributes: opts.searchAttributes,
  };
  const options = {
    connection: testEnv.nativeConnection,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    deps,
    workflowBundle: workflowBundle(),
  };
  const workers = await createWorkers(options);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    config,
    taskQueue: config.temporal.taskQueue,
    async stop() {
      for (const w of workers) w.shutdown();
      await running.catch(() => {});
    },
  };
}
