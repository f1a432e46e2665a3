/**
 * bench/scale: the low-CLV campaign launched to N contacts (all in the segment, outbox, no rate
 * limit) on the dev server and on the production server (Postgres), same machine, same run:
 *   - enrolment rate ÷ the same engine's raw empty-workflow start rate (goal ≥ 0.8);
 *   - wall time until every first email is in the outbox, at each N (how the cost grows);
 *   - worker RSS with every journey asleep, largest N ÷ smallest N (goal ≤ 1.2);
 *   - Postgres transactions and rows written per journey up to its first email (pg_stat_database);
 *   - first emails per second ÷ the same journeys' rate when every activity body is empty (goal ≥ 0.8);
 *   - CPU per journey of the worker process, the Temporal server and Postgres (/proc): where the
 *     time goes, and a figure that other load on the machine does not change much.
 * The two baselines run on at most --baseline-cap contacts (default 10,000).
 *
 *   npm run bench -- scale [--contacts 1000,5000] [--engines dev,server] [--baseline-cap 10000]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { LAUNCH_CONCURRENCY } from '../src/activities/launch.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import type { Db } from '../src/db/database.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { controlTaskQueue } from '../src/campaigns/journey-contract.js';
import { launchCampaign } from '../src/workflows/launch.js';
import {
  benchDatabase,
  log,
  measure,
  cpuSeconds,
  report,
  startBenchWorkers,
  startEmptyWorkflows,
  collectGarbage,
  startEngine,
} from './support.js';

function listArg(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1]! : fallback).split(',').filter(Boolean);
}
const sizes = listArg('contacts', '1000,5000').map(Number);
const engines = listArg('engines', 'dev,server') as ('dev' | 'server')[];
/** The baselines (empty starts, empty activity bodies) run on at most this many contacts. */
const baselineCap = Number(listArg('baseline-cap', '10000')[0]);

Runtime.install({ logger: new DefaultLogger('WARN') });

async function seed(db: Db, contacts: number): Promise<void> {
  await ensurePresetSegments(db);
  await sql`INSERT INTO contacts (email, newsletter_status) SELECT 'e' || g || '@bench.example', 'subscribed' FROM generate_series(1, ${contacts}::int) g`.execute(
    db,
  );
  await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
    SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
  await generateCoupons(db, 'bench', contacts + 100, { prefix: 'B-' });
  for (const id of ['bench', 'bench-empty'])
    await saveCampaign(db, { id, name: 'Bench', kind: 'low_clv_coupon', couponSet: 'bench' });
}

async function dbStats(db: Db): Promise<{ xacts: number; rows: number }> {
  const { rows } = await sql<{ xacts: string; rows: string }>`
    SELECT xact_commit + xact_rollback AS xacts, tup_inserted + tup_updated + tup_deleted AS rows
    FROM pg_stat_database WHERE datname = current_database()`.execute(db);
  return { xacts: Number(rows[0]!.xacts), rows: Number(rows[0]!.rows) };
}

const count = async (db: Db, query: ReturnType<typeof sql<{ n: number }>>) =>
  Number((await query.execute(db)).rows[0]!.n);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU milliseconds per journey of the worker process, the Temporal server and Postgres. */
interface CpuPerJourney {
  worker: number;
  temporal: number;
  postgres: number;
}

function cpuPerJourney(
  before: Awaited<ReturnType<typeof cpuSeconds>>,
  after: Awaited<ReturnType<typeof cpuSeconds>>,
  journeys: number,
): CpuPerJourney {
  const ms = (k: 'self' | 'temporal' | 'postgres') => ((after[k] - before[k]) * 1000) / journeys;
  return { worker: ms('self'), temporal: ms('temporal'), postgres: ms('postgres') };
}

/**
 * The baseline of the journeys' own work: the same journey workflow and activity calls, with
 * bodies that do nothing (the segment check says yes, the coupon is a constant, the email is
 * counted, not written).
 */
function emptyActivityBodies(onEmail: () => void) {
  const nothing = async () => {};
  const sent = async () => {
    onEmail();
    return { outcome: 'sent' as const, messageId: 0 };
  };
  return {
    main: {
      recordEnrollment: nothing,
      recordStep: nothing,
      endJourney: nothing,
      failJourney: nothing,
      isInSegment: async () => true,
      hasPurchased: async () => false,
      addToSegment: nothing,
      nextContactWindow: async (input: { now: string }) => input.now,
      assignCoupon: async () => ({ code: 'EMPTY', expiresAt: null }),
    },
    messages: { sendEmail: sent, sendSms: sent },
  };
}

interface Run {
  engine: string;
  contacts: number;
  /** How many contacts the two baselines ran on (at most --baseline-cap). */
  baselineContacts: number;
  emptyStartsPerSecond: number;
  emptyStartCpuMs: CpuPerJourney;
  enrolledPerSecond: number;
  firstEmailsSeconds: number;
  firstEmailsPerSecond: number;
  emptyBodiesFirstEmailsPerSecond: number;
  cpuMsPerJourney: CpuPerJourney;
  emptyBodiesCpuMsPerJourney: CpuPerJourney;
  rssAsleepMiB: number;
  xactsPerJourney: number;
  rowsPerJourney: number;
}

async function runOnce(kind: 'dev' | 'server', contacts: number): Promise<Run> {
  const bench = await benchDatabase(`boomerang_bench_scale`);
  const { db } = bench;
  const engine = await startEngine(kind, bench.url);
  try {
    log(`${kind}: ${contacts.toLocaleString()} contacts`);
    await seed(db, contacts);
    const baselineContacts = Math.min(contacts, baselineCap);

    const emptyStartsCpuBefore = await cpuSeconds();
    const baseline = await measure(() =>
      startEmptyWorkflows(engine.client, baselineContacts, LAUNCH_CONCURRENCY),
    );
    const emptyStartsCpuAfter = await cpuSeconds();

    const { workers, running } = await startBenchWorkers(engine.nativeConnection, db);

    const before = await dbStats(db);
    const cpuBefore = await cpuSeconds();
    const started = process.hrtime.bigint();
    const launch = await measure(() =>
      engine.client.workflow.execute(launchCampaign, {
        taskQueue: controlTaskQueue('bench'),
        workflowId: 'launch/bench',
        args: [{ campaignId: 'bench', batchSize: 500 }],
      }),
    );
    let lastProgress = 0;
    for (;;) {
      const sent = await count(
        db,
        sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE campaign_id = 'bench'`,
      );
      if (sent >= contacts) break;
      // A long run stopped early still says how far it got and how fast.
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      if (elapsed - lastProgress >= 60) {
        lastProgress = elapsed;
        log(
          `${kind}: ${sent.toLocaleString()} first emails after ${elapsed.toFixed(0)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
        );
      }
      await pause(500);
    }
    const firstEmailsSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = await cpuSeconds();
    const after = await dbStats(db);
    for (;;) {
      const asleep = await count(
        db,
        sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM journey_events WHERE campaign_id = 'bench' AND step = 'wait'`,
      );
      if (asleep >= contacts) break;
      await pause(1000);
    }
    collectGarbage();
    const rssAsleepMiB = process.memoryUsage().rss / 2 ** 20;
    for (const w of workers) w.shutdown();
    await running;

    log(`${kind}: the same journeys with empty activity bodies, on ${baselineContacts} contacts`);
    // The launch enrols every contact with an email: above the cap, the baseline would be measured
    // while the launch starts all the others (at 100,000 it measured 11 first emails a second, not 27).
    await sql`UPDATE contacts SET email = NULL WHERE id >= (SELECT min(id) FROM contacts) + ${baselineContacts}`.execute(
      db,
    );
    let emails = 0;
    const empty = await startBenchWorkers(engine.nativeConnection, db, {
      taskQueue: 'bench-empty-bodies',
      activities: emptyActivityBodies(() => emails++),
    });
    const emptyCpuBefore = await cpuSeconds();
    const emptyStarted = process.hrtime.bigint();
    const emptyLaunch = await engine.client.workflow.start(launchCampaign, {
      taskQueue: controlTaskQueue('bench-empty-bodies'),
      workflowId: 'launch/bench-empty',
      args: [{ campaignId: 'bench-empty', batchSize: 500 }],
    });
    while (emails < baselineContacts) await pause(100);
    const emptySeconds = Number(process.hrtime.bigint() - emptyStarted) / 1e9;
    const emptyCpuAfter = await cpuSeconds();
    await emptyLaunch.terminate('baseline measured').catch(() => undefined);
    for (const w of empty.workers) w.shutdown();
    await empty.running;

    return {
      engine: kind,
      contacts,
      baselineContacts,
      emptyStartsPerSecond: baselineContacts / baseline.seconds,
      emptyStartCpuMs: cpuPerJourney(emptyStartsCpuBefore, emptyStartsCpuAfter, baselineContacts),
      enrolledPerSecond: contacts / launch.seconds,
      firstEmailsSeconds,
      firstEmailsPerSecond: contacts / firstEmailsSeconds,
      emptyBodiesFirstEmailsPerSecond: baselineContacts / emptySeconds,
      cpuMsPerJourney: cpuPerJourney(cpuBefore, cpuAfter, contacts),
      emptyBodiesCpuMsPerJourney: cpuPerJourney(emptyCpuBefore, emptyCpuAfter, baselineContacts),
      rssAsleepMiB,
      xactsPerJourney: (after.xacts - before.xacts) / contacts,
      rowsPerJourney: (after.rows - before.rows) / contacts,
    };
  } finally {
    await engine.stop();
    await bench.close();
  }
}

const cpuText = (c: CpuPerJourney) =>
  `${c.worker.toFixed(1)} / ${c.temporal.toFixed(1)} / ${c.postgres.toFixed(1)}`;

const runs: Run[] = [];
for (const kind of engines)
  for (const n of sizes) {
    const run = await runOnce(kind, n);
    // Each run as it ends: a long benchmark that is stopped early still leaves its figures.
    log(JSON.stringify(run));
    runs.push(run);
  }

const rows: { metric: string; value: string; goal?: string; ok?: boolean }[] = [];
for (const kind of engines) {
  const mine = runs.filter((r) => r.engine === kind);
  for (const r of mine) {
    const ratio = r.enrolledPerSecond / r.emptyStartsPerSecond;
    rows.push(
      {
        metric: `${kind} ${r.contacts}: empty workflows started / s (${r.baselineContacts})`,
        value: r.emptyStartsPerSecond.toFixed(0),
      },
      {
        metric: `${kind} ${r.contacts}: contacts enrolled / s`,
        value: r.enrolledPerSecond.toFixed(0),
      },
      {
        metric: `${kind} ${r.contacts}: enrolment / empty starts`,
        value: `${ratio.toFixed(2)}×`,
        goal: '≥ 0.8',
        ok: ratio >= 0.8,
      },
      {
        metric: `${kind} ${r.contacts}: wall time to every first email (s)`,
        value: r.firstEmailsSeconds.toFixed(0),
      },
      {
        metric: `${kind} ${r.contacts}: first emails / s`,
        value: r.firstEmailsPerSecond.toFixed(0),
      },
      {
        metric: `${kind} ${r.contacts}: first emails / s, empty activity bodies (${r.baselineContacts})`,
        value: r.emptyBodiesFirstEmailsPerSecond.toFixed(0),
      },
      {
        metric: `${kind} ${r.contacts}: first emails / empty activity bodies`,
        value: `${(r.firstEmailsPerSecond / r.emptyBodiesFirstEmailsPerSecond).toFixed(2)}×`,
        goal: '≥ 0.8',
        ok: r.firstEmailsPerSecond / r.emptyBodiesFirstEmailsPerSecond >= 0.8,
      },
      {
        metric: `${kind} ${r.contacts}: CPU ms per empty start, bench / Temporal / Postgres`,
        value: cpuText(r.emptyStartCpuMs),
      },
      {
        metric: `${kind} ${r.contacts}: CPU ms per journey, worker / Temporal / Postgres`,
        value: cpuText(r.cpuMsPerJourney),
      },
      {
        metric: `${kind} ${r.contacts}: the same with empty activity bodies`,
        value: cpuText(r.emptyBodiesCpuMsPerJourney),
      },
      {
        metric: `${kind} ${r.contacts}: Postgres transactions per journey`,
        value: r.xactsPerJourney.toFixed(1),
      },
      {
        metric: `${kind} ${r.contacts}: Postgres rows written per journey`,
        value: r.rowsPerJourney.toFixed(1),
      },
      {
        metric: `${kind} ${r.contacts}: process RSS, all asleep (MiB)`,
        value: r.rssAsleepMiB.toFixed(0),
      },
    );
  }
  if (mine.length > 1) {
    const growth = mine.at(-1)!.rssAsleepMiB / mine[0]!.rssAsleepMiB;
    rows.push({
      metric: `${kind}: RSS asleep, ${mine.at(-1)!.contacts} ÷ ${mine[0]!.contacts}`,
      value: `${growth.toFixed(2)}×`,
      goal: '≤ 1.2',
      ok: growth <= 1.2,
    });
  }
}
await report('scale', rows, runs);
