/** What every benchmark shares: a Postgres (DATABASE_URL or an embedded one), timing, memory, output. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { createChannels } from '../src/channels/index.js';
import { loadConfig } from '../src/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../src/provision/postgres.js';
import { createMessagesWorker, createWorker } from '../src/worker.js';

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
  const db = createDb(url.toString(), { max: 4 });
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
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await client.workflow.start('benchEmptyWorkflow', {
          taskQueue: 'bench-empty',
          workflowId: `empty/${i}`,
          args: [],
        });
      }
    }),
  );
}

/**
 * Boomerang's two workers on task queue `bench`, sending to the outbox with no provider rate limit
 * to speak of, so that a launch measures the engine, not the sends.
 */
export async function startBenchWorkers(
  connection: NativeConnection,
  client: Client,
  db: Db,
): Promise<{ workers: Worker[]; running: Promise<void[]> }> {
  const config = loadConfig({
    TEMPORAL_TASK_QUEUE: 'bench',
    BOOMERANG_SIGNING_SECRET: 'bench',
    EMAIL_REQUESTS_PER_SECOND: '100000',
    SMS_REQUESTS_PER_SECOND: '100000',
  });
  const options = {
    connection,
    namespace: 'default',
    taskQueue: 'bench',
    deps: { db, config, temporal: client, channels: createChannels(config, db) },
  };
  const workers = await Promise.all([createWorker(options), createMessagesWorker(options)]);
  return { workers, running: Promise.all(workers.map((w) => w.run())) };
}
