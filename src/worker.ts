/**
 * Composition root of the worker: builds the dependencies (database, providers) once and hands
 * them to the activity factories. Run directly (`npm run worker`) or as a child of `npm start`.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';
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

export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...opts.overrides,
  });
}

/** Journeys carry custom search attributes; a server without them would reject the workflows. */
async function ensureSearchAttributes(config: Config): Promise<void> {
  const client = await connectClient(config);
  try {
    const added = await registerSearchAttributes(client, config.temporal.namespace);
    if (added.length) console.log(`worker: registered search attributes ${added.join(', ')}`);
  } catch (err) {
    // Temporal Cloud manages search attributes outside the API a worker may call.
    console.warn(`worker: could not check the search attributes (${(err as Error).message}); create ${BOOMERANG_SEARCH_ATTRIBUTES.map((k) => k.name).join(', ')} as Keyword attributes if they are missing.`);
  } finally {
    await client.connection.close();
  }
}

export async function runWorker(config: Config): Promise<void> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the worker needs Postgres (npm start sets it for you).');
  const db = createDb(config.databaseUrl);
  // Migrating here too lets a worker deployed alone (docker-compose) bring its schema up to date.
  await migrateToLatest(db);
  await ensureSearchAttributes(config);
  const connection = await connectWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { db },
  });
  console.log(`worker: polling task queue "${config.temporal.taskQueue}" in namespace "${config.temporal.namespace}"`);
  try {
    // Worker.run() installs SIGINT/SIGTERM handlers and drains in-flight tasks before returning.
    await worker.run();
  } finally {
    await connection.close();
    await db.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stopWhenSupervisorDies();
  runMain('worker', () => runWorker(loadConfig()));
}
