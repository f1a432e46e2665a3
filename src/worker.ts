/**
 * Composition root of the worker: builds the dependencies (database, providers) once and hands
 * them to the activity factories. Run directly (`npm run worker`) or as a child of `npm start`.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import {
  createActivities,
  createMessageActivities,
  type ActivityDeps,
} from './activities/index.js';
import { controlTaskQueue, messagesTaskQueue } from './campaigns/journey-contract.js';
import type { CampaignKindModule } from './campaigns/kinds/kind.js';
import { registerCampaignKind } from './campaigns/kinds/registry.js';
import { createChannels } from './channels/index.js';
import { type SendingOptions, startSending } from './channels/sending.js';
import { ensurePresetSegments } from './db/segments.js';
import { startStartQueue } from './inbox/start-queue.js';
import { checkCouponPools } from './reports/coupon-pools.js';
import { dataConverterFor } from './temporal/codec.js';
import { QuietLogger } from './temporal/quiet-logger.js';
import { sayWhenTemporalAnswers } from './temporal/repeated-warnings.js';
import { ensureRecomputeSchedule } from './temporal/schedules.js';
import { assertReadyToStart, type Config, loadConfig, temporalAddress } from './config.js';
import { createDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { stopWhenSupervisorDies } from './supervised.js';
import { runMain } from './main-helpers.js';
import { clientOnWorkerConnection, connectClient, connectWorker } from './temporal/connection.js';
import { currentBuildId, setCurrentBuildId, versionedBundle } from './temporal/deployments.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';
import { withRunningStack } from './provision/local-state.js';
import { BOOMERANG_SEARCH_ATTRIBUTES } from './domain/search-attributes.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests bundle once per run); otherwise the workflows are bundled here. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Worker Versioning: both workers join this deployment version. Unset: unversioned. */
  version?: WorkerVersion;
  overrides?: Partial<WorkerOptions>;
}

/** A worker's version under Worker Versioning: `<deployment name>.<build id>` in the Web UI and CLI. */
export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
  behavior: 'PINNED' | 'AUTO_UPGRADE';
}

function deploymentOptions(version: WorkerVersion | undefined): Partial<WorkerOptions> {
  if (!version) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName: version.deploymentName, buildId: version.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: version.behavior,
    },
  };
}

/** A worker of workflows (from `opts`' bundle or the sources) and the main activities. */
function createWorkflowWorker(
  opts: CreateWorkerOptions,
  taskQueue: string,
  maxCachedWorkflows: number,
): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    dataConverter: dataConverterFor(opts.deps.config.payloadEncryptionKey),
    maxCachedWorkflows,
    ...deploymentOptions(opts.version),
    ...opts.overrides,
  });
}

/** The worker of the journeys and most activities. */
export async function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  // 10,000 sleeping journeys must not hold 10,000 workflow states in memory.
  return createWorkflowWorker(opts, opts.taskQueue, 1000);
}

/**
 * The worker of the control workflows (launch, recompute) and their activities: the same bundle and
 * activities on a queue of their own, so that a launch's batches never queue behind its journeys.
 * Launches started before that queue existed still run on the journeys' queue, which keeps them.
 */
export async function createControlWorker(opts: CreateWorkerOptions): Promise<Worker> {
  // A handful of launches and recomputes at a time; journeys never run here.
  return createWorkflowWorker(opts, controlTaskQueue(opts.taskQueue), 50);
}

/**
 * The worker of the sends. No task-queue rate limit: a skipped send (no consent, holdout) must not
 * queue behind the provider's limit; the provider's requests are paced by the shared request rate
 * (channels/rate-limit.ts) that `deps.sending` carries.
 */
export async function createMessagesWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: messagesTaskQueue(opts.taskQueue),
    activities: createMessageActivities(opts.deps),
    dataConverter: dataConverterFor(opts.deps.config.payloadEncryptionKey),
    // Most sends wait on a queued email (a cheap promise), and a batch of 100 needs 100 of them waiting.
    maxConcurrentActivityTaskExecutions: 2000,
    // Sends scheduled by a versioned journey go to workers of the same version.
    ...deploymentOptions(opts.version),
    ...opts.overrides,
  });
}

/** Boomerang's three workers on one task queue: the journeys', the control one and the sends'. */
export function createWorkers(opts: CreateWorkerOptions): Promise<[Worker, Worker, Worker]> {
  return Promise.all([createWorker(opts), createControlWorker(opts), createMessagesWorker(opts)]);
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

/** Under Worker Versioning, the worker's version and the bundle its build id was derived from. */
async function workerVersioning(
  config: Config,
  workflowsPath: string,
): Promise<Pick<CreateWorkerOptions, 'version' | 'workflowBundle'>> {
  const { mode, deploymentName, buildId } = config.workerVersioning;
  if (mode === 'off') return {};
  const behavior = mode === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE';
  if (buildId) return { version: { deploymentName, buildId, behavior } };
  const bundle = await versionedBundle(workflowsPath, undefined);
  return {
    version: { deploymentName, buildId: bundle.buildId, behavior },
    workflowBundle: { code: bundle.code },
  };
}

/**
 * The first version of a deployment becomes current by itself, so a first start works out of the
 * box; a later one waits to be made current (`boomerang deploy set-current`, after `deploy check`).
 */
async function makeFirstVersionCurrent(client: Client, version: WorkerVersion): Promise<void> {
  const current = await currentBuildId(client, version.deploymentName);
  if (current === version.buildId) return;
  if (current) {
    console.log(
      `worker: version ${version.buildId} is not current (${current} is); new workflows reach it once it is: boomerang deploy set-current ${version.buildId}`,
    );
    return;
  }
  await setCurrentBuildId(client, version.deploymentName, version.buildId, {
    waitForPollersMs: 60_000,
  });
  console.log(`worker: version ${version.buildId} is now current (the deployment's first)`);
}

export async function runWorker(
  config: Config,
  extra: {
    overrides?: Partial<WorkerOptions>;
    sending?: SendingOptions;
    /** Campaign kinds from outside src, registered before the worker starts (campaigns/kinds/registry.ts). */
    kinds?: readonly CampaignKindModule[];
    /** The workflows to bundle when `kinds` brings its own: a module re-exporting WORKFLOWS_PATH's and theirs. */
    workflowsPath?: string;
  } = {},
): Promise<void> {
  assertReadyToStart('worker', config);
  for (const kind of extra.kinds ?? []) registerCampaignKind(kind);
  const workflowsPath = extra.workflowsPath ?? WORKFLOWS_PATH;
  const db = createDb(config.databaseUrl!, { connectTimeout: config.databaseConnectTimeout });
  // Migrating here too lets a worker deployed alone (docker-compose) bring its schema up to date.
  await migrateToLatest(db);
  await ensurePresetSegments(db);
  const temporal = await connectClient(config);
  await ensureSearchAttributes(temporal, config);
  const schedule = await ensureRecomputeSchedule(temporal, config);
  if (schedule !== 'unchanged')
    console.log(`worker: ${schedule} the daily recompute schedule (${config.recomputeCron} UTC)`);
  const connection = await connectWorker(config);
  const channels = createChannels(config, db);
  const sending = startSending(config, db, channels, extra.sending);
  const versioning = await workerVersioning(config, workflowsPath);
  const options = {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    // Journeys the workers start (launches, segment entries) go to themselves, eagerly.
    deps: {
      db,
      config,
      temporal: clientOnWorkerConnection(connection, config),
      eagerStart: true,
      channels,
      sending,
    },
    ...versioning,
    // Both workflow workers run the same code: bundle it once.
    workflowBundle: versioning.workflowBundle ?? {
      code: (
        await bundleWorkflowCode({
          workflowsPath,
          logger: Runtime.instance().logger,
        })
      ).code,
    },
    overrides: extra.overrides,
  };
  const [worker, control, messages] = await createWorkers(options);
  console.log(
    `worker: polling task queues "${config.temporal.taskQueue}", "${controlTaskQueue(config.temporal.taskQueue)}" and "${messagesTaskQueue(config.temporal.taskQueue)}" in namespace "${config.temporal.namespace}" (sends: ${config.email.provider} email${sending.emailQueue ? ` in batches of ${config.email.batchSize} at ${config.email.requestsPerSecond} requests/s` : ''}, ${config.sms.provider} SMS)`,
  );
  if (versioning.version) {
    const { deploymentName, buildId, behavior } = versioning.version;
    console.log(`worker: version ${deploymentName}.${buildId} (${behavior.toLowerCase()})`);
    void makeFirstVersionCurrent(temporal, versioning.version).catch((err: Error) =>
      console.error(`worker: could not check the current version: ${err.message}`),
    );
  }
  // A coupon pool running low must show in the log before it runs out (also on the dashboard and /metrics).
  const checkPools = () =>
    checkCouponPools(db, console).catch((err: Error) =>
      console.error(`worker: coupon pool check failed: ${err.message}`),
    );
  void checkPools();
  const poolTimer = setInterval(checkPools, 15 * 60_000);
  // Journeys queued by the inbox start here too, eagerly: their first task runs in this process.
  const starts = startStartQueue({
    client: options.deps.temporal,
    db,
    taskQueue: config.temporal.taskQueue,
    eagerStart: true,
  });
  try {
    // Worker.run() installs SIGINT/SIGTERM handlers and drains in-flight tasks before returning.
    await Promise.all([worker.run(), control.run(), messages.run()]);
  } finally {
    clearInterval(poolTimer);
    await starts.stop();
    await sending.stop();
    await connection.close();
    await temporal.connection.close();
    await db.destroy();
  }
}

/**
 * The worker's configuration: the environment, with the running `npm start` stack's database,
 * Temporal and signing secret where it leaves them unset (as the CLI finds them), so that
 * `npm run worker` can run beside a running stack without any variable exported.
 */
export function workerConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return withRunningStack(loadConfig(env), env);
}

/**
 * The worker's SDK runtime: its log without start-up noise, and core's own log forwarded to it
 * (left to itself, core prints each poller's retry while Temporal is down, several a second), so
 * that an outage is one line, then one a minute, then one when Temporal answers again.
 */
function installWorkerRuntime(config: Config): void {
  const logger = new QuietLogger({ temporalAddress: temporalAddress(config) });
  Runtime.install({ logger, telemetryOptions: { logging: { forward: {} } } });
  sayWhenTemporalAnswers(logger.repeated, async () => {
    const client = await connectClient(config);
    await client.connection.close();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stopWhenSupervisorDies();
  runMain('worker', () => {
    const config = workerConfig();
    // Before any connection: the runtime's logger is fixed when it is first used.
    installWorkerRuntime(config);
    return runWorker(config);
  });
}
