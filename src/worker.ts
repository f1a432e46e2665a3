/**
 * Composition root of the worker: builds the dependencies (database, providers) once and hands
 * them to the activity factories. Run directly (`npm run worker`) or as a child of `npm start`.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import {
  createActivities,
  createMessageActivities,
  type ActivityDeps,
} from './activities/index.js';
import { messagesTaskQueue } from './campaigns/journey-contract.js';
import { createChannels } from './channels/index.js';
import { ensurePresetSegments } from './db/segments.js';
import { checkCouponPools } from './reports/coupon-pools.js';
import { dataConverterFor } from './temporal/codec.js';
import { QuietLogger } from './temporal/quiet-logger.js';
import { ensureRecomputeSchedule } from './temporal/schedules.js';
import { type Config, loadConfig } from './config.js';
import { createDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { stopWhenSupervisorDies } from './supervised.js';
import { runMain } from './main-helpers.js';
import { connectClient, connectWorker } from './temporal/connection.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { BOOMERANG_SEARCH_ATTRIBUTES } from './domain/search-attributes.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per run); otherwise the workflows are bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  overrides?: Partial<WorkerOptions>;
}

/** The worker of workflows and most activities. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    dataConverter: dataConverterFor(opts.deps.config.payloadEncryptionKey),
    // 10,000 sleeping journeys must not hold 10,000 workflow states in memory.
    maxCachedWorkflows: 1000,
    ...opts.overrides,
  });
}

/** The worker of the sends: the provider rate limit holds across every worker of the queue. */
export async function createMessagesWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: messagesTaskQueue(opts.taskQueue),
    activities: createMessageActivities(opts.deps),
    dataConverter: dataConverterFor(opts.deps.config.payloadEncryptionKey),
    maxTaskQueueActivitiesPerSecond: opts.deps.config.messagesPerSecond,
    ...opts.overrides,
  });
}

/** Journeys carry custom search attributes; a server without them would reject the workflows. */
async function ensureSearchAttributes(client: Client, config: Config): Promise<void> {
  try {
    const added = await registerSearchAttributes(client, config.temporal.namespace);
    if (added.length) console.log(`worker: registered search attributes ${added.join(', ')}`);
  } catch (err) {
    // Temporal Cloud manages search attributes outside the API a worker may call.
    console.warn(
      `worker: could not check the search attributes (${(err as Error).message}); create ${BOOMERANG_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')} as Keyword attributes if they are missing.`,
    );
  }
}

export async function runWorker(
  config: Config,
  extra: { overrides?: Partial<WorkerOptions> } = {},
): Promise<void> {
  if (!config.databaseUrl)
    throw new Error(
      'DATABASE_URL is not set: the worker needs Postgres (npm start sets it for you).',
    );
  const db = createDb(config.databaseUrl);
  // Migrating here too lets a worker deployed alone (docker-compose) bring its schema up to date.
  await migrateToLatest(db);
  await ensurePresetSegments(db);
  const temporal = await connectClient(config);
  await ensureSearchAttributes(temporal, config);
  const schedule = await ensureRecomputeSchedule(temporal, config);
  if (schedule !== 'unchanged')
    console.log(`worker: ${schedule} the daily recompute schedule (${config.recomputeCron} UTC)`);
  const connection = await connectWorker(config);
  const options = {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { db, config, temporal, channels: createChannels(config, db) },
    overrides: extra.overrides,
  };
  const [worker, messages] = await Promise.all([
    createWorker(options),
    createMessagesWorker(options),
  ]);
  console.log(
    `worker: polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}" (sends: ${config.email.provider} email, ${config.sms.provider} SMS)`,
  );
  // A coupon pool running low must show in the log before it runs out (also on the dashboard and /metrics).
  const checkPools = () =>
    checkCouponPools(db, console).catch((err: Error) =>
      console.error(`worker: coupon pool check failed: ${err.message}`),
    );
  void checkPools();
  const poolTimer = setInterval(checkPools, 15 * 60_000);
  try {
    // Worker.run() installs SIGINT/SIGTERM handlers and drains in-flight tasks before returning.
    await Promise.all([worker.run(), messages.run()]);
  } finally {
    clearInterval(poolTimer);
    await connection.close();
    await temporal.connection.close();
    await db.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Before any connection: the runtime's logger is fixed when it is first used.
  Runtime.install({ logger: new QuietLogger() });
  stopWhenSupervisorDies();
  runMain('worker', () => runWorker(loadConfig()));
}
