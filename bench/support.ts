/** What every benchmark shares: a Postgres (DATABASE_URL or an embedded one), timing, memory, output. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { createChannels } from '../src/channels/index.js';
import { defaultCacheDir, loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  BOOMERANG_SEARCH_ATTRIBUTES,
  CAMPAIGN,
  CONTACT_ID,
  STEP,
} from '../src/domain/search-attributes.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../src/provision/postgres.js';
import { resolveTemporalCli } from '../src/provision/tools.js';
import {
  freeServerPorts,
  resolveTemporalServer,
  startTemporalServer,
} from '../src/provision/temporal-server.js';
import { DEV_SERVER_DYNAMIC_CONFIG_FLAGS } from '../src/provision/dev-server.js';
import { clientOnWorkerConnection } from '../src/temporal/connection.js';
import { createActivities, createMessageActivities } from '../src/activities/index.js';
import {
  createControlWorker,
  createMessagesWorker,
  createWorker,
  WORKFLOWS_PATH,
} from '../src/worker.js';

export interface BenchDatabase {
  db: Db;
  url: string;
  close(): Promise<void>;
}

/** A fresh, migrated database for one benchmark run. */
export async function benchDatabase(name: string): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  let scratch: string | undefined;
  if (!adminUrl) {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-bench-'));
    await fs.chmod(scratch, 0o755);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'pg'),
      port,
      persistent: false,
    });
    adminUrl = server.adminUrl;
    stopServer = () => server.stop();
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await createDatabaseIfMissing(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // The pool a worker gets in production (createDb's default), so the bench measures what runs there.
  const db = createDb(url.toString());
  await migrateToLatest(db);
  return {
    db,
    url: url.toString(),
    async close() {
      await db.destroy();
      await stopServer();
      if (scratch) await fs.rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Runs fn, returning its result, wall time and the peak RSS of this process meanwhile. */
export async function measure<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; seconds: number; peakRssMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const start = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds, peakRssMiB: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export const log = (m: string) => console.error(`[bench] ${m}`);

/** Writes the results as JSON under bench/.results/ (git-ignored) and prints a summary table. */
export async function report(
  name: string,
  rows: { metric: string; value: string; goal?: string; ok?: boolean }[],
  raw: unknown,
): Promise<void> {
  const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '.results');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, `${name}.json`),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        host: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
        raw,
      },
      null,
      2,
    ),
  );
  console.log(`\n${name}`);
  for (const r of rows)
    console.log(
      `  ${r.metric.padEnd(58)} ${r.value.padStart(14)}${r.goal ? `   goal ${r.goal} ${r.ok ? 'MET' : 'NOT MET'}` : ''}`,
    );
}

/**
 * The engine's raw start rate, the baseline of a launch: `count` empty workflows
 * (`benchEmptyWorkflow` on task queue `bench-empty`) started `concurrency` at a time.
 */
export async function startEmptyWorkflows(
  client: Client,
  count: number,
  concurrency: number,
  /** Started as a journey is: its search attributes, memo, summary and an input of its size. */
  likeJourney?: { input: unknown },
): Promise<void> {
  let next = 0;
  const prefix = likeJourney ? 'empty-shaped' : 'empty';
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await client.workflow.start('benchEmptyWorkflow', {
          taskQueue: 'bench-empty',
          workflowId: `${prefix}/${i}`,
          args: likeJourney ? [likeJourney.input] : [],
          ...(likeJourney && {
            typedSearchAttributes: [
              { key: CONTACT_ID, value: String(i) },
              { key: CAMPAIGN, value: 'bench' },
              { key: STEP, value: 'enrolled' },
            ],
            memo: { campaign: 'Bench', kind: 'bench', contactId: i },
            staticSummary: `Bench — contact ${i}`,
          }),
        });
      }
    }),
  );
}

/**
 * Boomerang's three workers on `taskQueue` (journeys, control, sends), sending to the outbox with no provider rate limit to
 * speak of, so that a launch measures the engine, not the sends. `activities` replaces some of
 * each worker's activities (the empty-bodies baseline).
 */
export async function startBenchWorkers(
  connection: NativeConnection,
  db: Db,
  options: {
    taskQueue?: string;
    activities?: { main?: Record<string, unknown>; messages?: Record<string, unknown> };
  } = {},
): Promise<{ workers: Worker[]; running: Promise<void[]> }> {
  const taskQueue = options.taskQueue ?? 'bench';
  const config = loadConfig({
    TEMPORAL_TASK_QUEUE: taskQueue,
    BOOMERANG_SIGNING_SECRET: 'bench',
    EMAIL_REQUESTS_PER_SECOND: '100000',
    SMS_REQUESTS_PER_SECOND: '100000',
  });
  // As `npm run worker` does: journeys the workers start go to themselves, eagerly.
  const deps = {
    db,
    config,
    temporal: clientOnWorkerConnection(connection, config),
    eagerStart: true,
    channels: createChannels(config, db),
  };
  // The journeys' and the control workers run the same code, bundled once as `npm run worker` does.
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const common = { connection, namespace: 'default', taskQueue, deps, workflowBundle: { code } };
  const { main, messages } = options.activities ?? {};
  const workers = await Promise.all([
    createWorker({
      ...common,
      overrides: main && { activities: { ...createActivities(deps), ...main } },
    }),
    createControlWorker(common),
    createMessagesWorker({
      ...common,
      overrides: messages && { activities: { ...createMessageActivities(deps), ...messages } },
    }),
  ]);
  return { workers, running: Promise.all(workers.map((w) => w.run())) };
}

/** CPU seconds so far, of this process and of its descendants (servers it started), by kind. */
export async function cpuSeconds(): Promise<{ self: number; temporal: number; postgres: number }> {
  const usage = process.cpuUsage();
  const ticks = 100; // USER_HZ on Linux
  const stats = new Map<number, { ppid: number; comm: string; seconds: number }>();
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = text.lastIndexOf(')');
    if (close < 0) continue;
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is the state; utime, stime, cutime, cstime are fields 14–17 of stat.
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    stats.set(Number(entry), {
      ppid: Number(fields[1]),
      comm,
      seconds: (utime! + stime! + cutime! + cstime!) / ticks,
    });
  }
  const kinds = { self: (usage.user + usage.system) / 1e6, temporal: 0, postgres: 0 };
  const isDescendant = (pid: number): boolean => {
    for (let p = stats.get(pid)?.ppid; p !== undefined && p > 1; p = stats.get(p)?.ppid)
      if (p === process.pid) return true;
    return false;
  };
  for (const [pid, s] of stats) {
    if (pid === process.pid || !isDescendant(pid)) continue;
    if (s.comm.startsWith('postgres')) kinds.postgres += s.seconds;
    else if (s.comm === 'temporal' || s.comm === 'server') kinds.temporal += s.seconds;
  }
  return kinds;
}

export type CpuSeconds = Awaited<ReturnType<typeof cpuSeconds>>;

/** CPU milliseconds per item between two readings of cpuSeconds, by process kind. */
export function cpuMsPer(before: CpuSeconds, after: CpuSeconds, items: number): CpuSeconds {
  const per = (k: keyof CpuSeconds) => ((after[k] - before[k]) * 1000) / items;
  return { self: per('self'), temporal: per('temporal'), postgres: per('postgres') };
}

/**
 * A full garbage collection of this isolate before a memory reading, so the reading is what is
 * held rather than what is not yet collected (`npm run bench` does not pass --expose-gc).
 */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** A Temporal dev server with Boomerang's search attributes, from the cached CLI (no download). */
export async function startDevServer(
  opts: { extraArgs?: string[] } = {},
): Promise<TestWorkflowEnvironment> {
  const cli = await resolveTemporalCli({
    cacheDir: defaultCacheDir(),
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    log,
    allowSdkDownload: false,
  });
  if (cli.executable.type !== 'existing-path') throw new Error('no Temporal CLI');
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli.executable,
      searchAttributes: [...BOOMERANG_SEARCH_ATTRIBUTES],
      extraArgs: [...DEV_SERVER_DYNAMIC_CONFIG_FLAGS, ...(opts.extraArgs ?? [])],
    },
  });
}

export interface BenchEngine {
  client: Client;
  nativeConnection: NativeConnection;
  stop(): Promise<void>;
}

/**
 * The dev server, or the production server (Temporal's release on `postgresUrl`'s Postgres, as
 * `npm start -- --temporal server` runs it). `devServerArgs`: more flags for the dev server.
 */
export async function startEngine(
  kind: 'dev' | 'server',
  postgresUrl: string,
  { devServerArgs }: { devServerArgs?: string[] } = {},
): Promise<BenchEngine> {
  if (kind === 'dev') {
    const env = await startDevServer({ extraArgs: devServerArgs });
    return {
      client: env.client,
      nativeConnection: env.nativeConnection,
      stop: () => env.teardown(),
    };
  }
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-bench-temporal-'));
  const server = await startTemporalServer({
    binaries: await resolveTemporalServer({ cacheDir: defaultCacheDir(), log }),
    postgresUrl,
    databases: { persistence: 'bench_temporal', visibility: 'bench_temporal_visibility' },
    stateDir,
    ports: await freeServerPorts(),
    namespace: 'default',
    log,
    maxConns: 20,
  });
  const connection = await Connection.connect({ address: server.address });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    client: new Client({ connection }),
    nativeConnection,
    async stop() {
      await nativeConnection.close();
      await connection.close();
      await server.stop();
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
