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
 * With --flow, the same campaign twice on the same contacts, workers and engine: the coded
 * low_clv_coupon journey, then examples/flows/low-clv-coupon.yaml run by the flow interpreter:
 *   - CPU per journey up to its first email, flow ÷ coded (goal ≤ 1.1);
 *   - history events per journey asleep in the 7-day wait, flow vs coded (goal: no more), with
 *     the event types that differ.
 *
 *   npm run bench -- scale [--contacts 1000,5000] [--engines dev,server] [--baseline-cap 10000] [--flow]
 */
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { parse as parseYaml } from 'yaml';
import { LAUNCH_CONCURRENCY } from '../src/activities/launch.js';
import { PROJECT_ROOT } from '../src/config.js';
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
  cpuMsPer,
  cpuSeconds,
  type CpuSeconds,
  report,
  startBenchWorkers,
  startEmptyWorkflows,
  collectGarbage,
  startEngine,
  type BenchEngine,
} from './support.js';

const { temporal } = proto;

function listArg(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1]! : fallback).split(',').filter(Boolean);
}
const sizes = listArg('contacts', '1000,5000').map(Number);
const engines = listArg('engines', 'dev,server') as ('dev' | 'server')[];
/** The baselines (empty starts, empty activity bodies) run on at most this many contacts. */
const baselineCap = Number(listArg('baseline-cap', '10000')[0]);
const flowMode = process.argv.includes('--flow');

Runtime.install({ logger: new DefaultLogger('WARN') });

async function seed(db: Db, contacts: number): Promise<void> {
  await ensurePresetSegments(db);
  await sql`INSERT INTO contacts (email, newsletter_status) SELECT 'e' || g || '@bench.example', 'subscribed' FROM generate_series(1, ${contacts}::int) g`.execute(
    db,
  );
  await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
    SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
  // Enough for each contact twice: --flow launches the campaign as a flow to the same contacts.
  await generateCoupons(db, 'bench', 2 * contacts + 100, { prefix: 'B-' });
  for (const id of ['bench', 'bench-empty'])
    await saveCampaign(db, { id, name: 'Bench', kind: 'low_clv_coupon', couponSet: 'bench' });
  const flow = parseYaml(
    await fs.readFile(path.join(PROJECT_ROOT, 'examples/flows/low-clv-coupon.yaml'), 'utf8'),
  ) as { nodes: Record<string, Record<string, unknown>> };
  flow.nodes.assign_coupon!.couponSet = 'bench';
  await saveCampaign(db, { ...flow, id: 'bench-flow', name: 'Bench (flow)' });
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

/** Waits until every contact has its first email from `campaign`, saying every minute how far it got. */
async function untilFirstEmails(
  db: Db,
  campaign: string,
  contacts: number,
  started: bigint,
  label: string,
): Promise<void> {
  let lastProgress = 0;
  for (;;) {
    const sent = await count(
      db,
      sql<{ n: number }>`SELECT count(*)::int AS n FROM messages WHERE campaign_id = ${campaign}`,
    );
    if (sent >= contacts) return;
    // A long run stopped early still says how far it got and how fast.
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (elapsed - lastProgress >= 60) {
      lastProgress = elapsed;
      log(
        `${label}: ${sent.toLocaleString()} first emails after ${elapsed.toFixed(0)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    await pause(500);
  }
}

/** Waits until every journey of `campaign` sleeps in its 7-day wait. */
async function untilAsleep(db: Db, campaign: string, contacts: number): Promise<void> {
  for (;;) {
    const asleep = await count(
      db,
      sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM journey_events WHERE campaign_id = ${campaign} AND step = 'wait'`,
    );
    if (asleep >= contacts) return;
    await pause(1000);
  }
}

/** CPU milliseconds per journey of the worker process, the Temporal server and Postgres. */
interface CpuPerJourney {
  worker: number;
  temporal: number;
  postgres: number;
}

function cpuPerJourney(before: CpuSeconds, after: CpuSeconds, journeys: number): CpuPerJourney {
  const { self, temporal, postgres } = cpuMsPer(before, after, journeys);
  return { worker: self, temporal, postgres };
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
    await untilFirstEmails(db, 'bench', contacts, started, kind);
    const firstEmailsSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuAfter = await cpuSeconds();
    const after = await dbStats(db);
    await untilAsleep(db, 'bench', contacts);
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

/** The events of a journey's history, counted by type (a local activity is a marker). */
async function historyEvents(
  engine: BenchEngine,
  workflowId: string,
): Promise<Record<string, number>> {
  const history = await engine.client.workflow.getHandle(workflowId).fetchHistory();
  const counts: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const type = `${temporal.api.enums.v1.EventType[e.eventType ?? 0]}${scheduled ? ` ${scheduled}` : ''}`;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

interface FlowComparison {
  engine: string;
  contacts: number;
  /** Launch to every first email. */
  codedSeconds: number;
  flowSeconds: number;
  codedCpuMs: CpuPerJourney;
  flowCpuMs: CpuPerJourney;
  /** Mean history events of a journey asleep in its 7-day wait, over the first journeys. */
  codedHistoryEvents: number;
  flowHistoryEvents: number;
  /** Event types whose count per journey differs: coded, flow. */
  historyDifferences: Record<string, [number, number]>;
}

/** The low-CLV campaign launched as the coded journey, then as a flow, to the same contacts. */
async function compareFlow(kind: 'dev' | 'server', contacts: number): Promise<FlowComparison> {
  const bench = await benchDatabase(`boomerang_bench_scale`);
  const { db } = bench;
  const engine = await startEngine(kind, bench.url);
  try {
    log(`${kind}: ${contacts.toLocaleString()} contacts, the low-CLV campaign coded and as a flow`);
    await seed(db, contacts);
    const { workers, running } = await startBenchWorkers(engine.nativeConnection, db);
    const launched = async (campaign: string) => {
      const cpuBefore = await cpuSeconds();
      const started = process.hrtime.bigint();
      await engine.client.workflow.execute(launchCampaign, {
        taskQueue: controlTaskQueue('bench'),
        workflowId: `launch/${campaign}`,
        args: [{ campaignId: campaign, batchSize: 500 }],
      });
      await untilFirstEmails(db, campaign, contacts, started, `${kind} ${campaign}`);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = cpuPerJourney(cpuBefore, await cpuSeconds(), contacts);
      // Asleep before the next launch, so one campaign's CPU is not counted in the other's.
      await untilAsleep(db, campaign, contacts);
      return { seconds, cpu };
    };
    const coded = await launched('bench');
    const flow = await launched('bench-flow');

    const sample = await db.selectFrom('contacts').select('id').orderBy('id').limit(20).execute();
    const mean = async (campaign: string) => {
      const all: Record<string, number> = {};
      for (const { id } of sample)
        for (const [type, n] of Object.entries(await historyEvents(engine, `${campaign}/${id}`)))
          all[type] = (all[type] ?? 0) + n / sample.length;
      return all;
    };
    const [codedTypes, flowTypes] = [await mean('bench'), await mean('bench-flow')];
    const total = (types: Record<string, number>) =>
      Object.values(types).reduce((a, b) => a + b, 0);
    const historyDifferences: Record<string, [number, number]> = {};
    for (const type of new Set([...Object.keys(codedTypes), ...Object.keys(flowTypes)]))
      if ((codedTypes[type] ?? 0) !== (flowTypes[type] ?? 0))
        historyDifferences[type] = [codedTypes[type] ?? 0, flowTypes[type] ?? 0];
    for (const w of workers) w.shutdown();
    await running;
    return {
      engine: kind,
      contacts,
      codedSeconds: coded.seconds,
      flowSeconds: flow.seconds,
      codedCpuMs: coded.cpu,
      flowCpuMs: flow.cpu,
      codedHistoryEvents: total(codedTypes),
      flowHistoryEvents: total(flowTypes),
      historyDifferences,
    };
  } finally {
    await engine.stop();
    await bench.close();
  }
}

const cpuText = (c: CpuPerJourney) =>
  `${c.worker.toFixed(1)} / ${c.temporal.toFixed(1)} / ${c.postgres.toFixed(1)}`;

const cpuTotal = (c: CpuPerJourney) => c.worker + c.temporal + c.postgres;

if (flowMode) {
  const comparisons: FlowComparison[] = [];
  const rows: { metric: string; value: string; goal?: string; ok?: boolean }[] = [];
  for (const kind of engines)
    for (const n of sizes) {
      const c = await compareFlow(kind, n);
      log(JSON.stringify(c));
      comparisons.push(c);
      const workerRatio = c.flowCpuMs.worker / c.codedCpuMs.worker;
      rows.push(
        {
          metric: `${kind} ${n}: launch to every first email (s), coded / flow`,
          value: `${c.codedSeconds.toFixed(0)} / ${c.flowSeconds.toFixed(0)}`,
        },
        {
          metric: `${kind} ${n}: CPU ms per journey, coded: worker / Temporal / Postgres`,
          value: cpuText(c.codedCpuMs),
        },
        {
          metric: `${kind} ${n}: CPU ms per journey, flow: worker / Temporal / Postgres`,
          value: cpuText(c.flowCpuMs),
        },
        {
          metric: `${kind} ${n}: worker CPU per journey, flow ÷ coded`,
          value: `${workerRatio.toFixed(2)}×`,
          goal: '≤ 1.1',
          ok: workerRatio <= 1.1,
        },
        {
          metric: `${kind} ${n}: all CPU per journey, flow ÷ coded`,
          value: `${(cpuTotal(c.flowCpuMs) / cpuTotal(c.codedCpuMs)).toFixed(2)}×`,
        },
        {
          metric: `${kind} ${n}: history events per journey asleep, coded / flow`,
          value: `${c.codedHistoryEvents.toFixed(1)} / ${c.flowHistoryEvents.toFixed(1)}`,
          goal: 'flow ≤ coded',
          ok: c.flowHistoryEvents <= c.codedHistoryEvents,
        },
        ...Object.entries(c.historyDifferences).map(([type, [coded, flow]]) => ({
          metric: `${kind} ${n}:   ${type}, coded / flow`,
          value: `${coded.toFixed(1)} / ${flow.toFixed(1)}`,
        })),
      );
    }
  await report('scale-flow', rows, comparisons);
  process.exit(0);
}

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
