/**
 * bench/history: what one journey costs the engine up to its first email, counted from the
 * journey's own history and the server's persistence metrics (counts, not timings: the same on a
 * busy machine). A low-CLV launch on --contacts contacts and as many welcome-voucher journeys
 * started one by one (as a registration starts them), on the dev server or the production server (Temporal's release on Postgres); each journey is counted
 * from its start to the timer it sleeps on after its first email. Their waits are a minute (the
 * shortest a campaign takes), so that every journey then runs to its end, and the bench counts what
 * each whole journey would be billed on Temporal Cloud (cloud-actions.ts).
 *
 *   npm run bench -- history [--contacts 20] [--engine dev|server]
 */
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { startJourney } from '../src/campaigns/enrolment.js';
import { controlTaskQueue } from '../src/campaigns/journey-contract.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { launchCampaign } from '../src/workflows/launch.js';
import { loadConfig } from '../src/config.js';
import { WEEKDAYS } from '../src/domain/contact-window.js';
import { clientOnWorkerConnection } from '../src/temporal/connection.js';
import { cloudActions, type CloudActions } from './cloud-actions.js';
import { arg, benchDatabase, log, report, startBenchWorkers, startEngine } from './support.js';

const contacts = arg('contacts', 20);
const engineFlag = process.argv.indexOf('--engine');
const engineKind = process.argv[engineFlag + 1] === 'server' && engineFlag >= 0 ? 'server' : 'dev';
Runtime.install({ logger: new DefaultLogger('WARN') });
const taskQueue = 'bench';
const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The events of a journey from its start to the first timer after its first send completed. */
async function untilAsleepAfterFirstEmail(client: Client, workflowId: string) {
  for (let tries = 0; tries < 600; tries++) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const sent = events.findIndex(
      (e) =>
        e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
        events.some(
          (s) =>
            s.activityTaskScheduledEventAttributes?.activityType?.name === 'sendEmail' &&
            Number(s.eventId) ===
              Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1),
        ),
    );
    const asleep = events.findIndex(
      (e, i) => i > sent && e.eventType === EventType.EVENT_TYPE_TIMER_STARTED,
    );
    if (sent >= 0 && asleep >= 0) return events.slice(0, asleep + 1);
    await pause(200);
  }
  throw new Error(`${workflowId} did not reach its first email's wait`);
}

interface Counts {
  events: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
  patchMarkers: number;
  timers: number;
  searchAttributeUpserts: number;
  signals: number;
  /** Temporal Cloud actions of these events. */
  cloudActions: number;
  /** The first workflow task was handed to the starter's worker in the start's answer. */
  eagerStart: boolean;
  byType: Record<string, number>;
}

function countEvents(events: HistoryEvent[]): Counts {
  const byType: Record<string, number> = {};
  for (const e of events) {
    const name = EventType[e.eventType ?? 0]!.replace('EVENT_TYPE_', '');
    byType[name] = (byType[name] ?? 0) + 1;
  }
  const markers = (name: string) =>
    events.filter((e) => e.markerRecordedEventAttributes?.markerName === name).length;
  return {
    events: events.length,
    workflowTasks: byType.WORKFLOW_TASK_SCHEDULED ?? 0,
    activityTasks: byType.ACTIVITY_TASK_SCHEDULED ?? 0,
    localActivities: markers('core_local_activity'),
    patchMarkers: markers('core_patch'),
    timers: byType.TIMER_STARTED ?? 0,
    searchAttributeUpserts: byType.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0,
    signals: byType.WORKFLOW_EXECUTION_SIGNALED ?? 0,
    cloudActions: cloudActions(events).total,
    eagerStart: events[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted === true,
    byType,
  };
}

/** Each journey's Temporal Cloud actions from its start to its end, summarised as `summarise` does. */
async function wholeJourneys(client: Client, workflowIds: string[]) {
  const all: CloudActions[] = [];
  for (const id of workflowIds) {
    const handle = client.workflow.getHandle(id);
    await handle.result();
    all.push(cloudActions((await handle.fetchHistory()).events ?? []));
  }
  return spread(all);
}

/**
 * The server's writes by store and operation (`history:UpdateWorkflowExecution`,
 * `visibility:UpsertWorkflowExecution`), from its Prometheus endpoint. Reads are left out: this
 * script's own history polling makes them.
 */
async function serverWrites(metricsUrl: string | undefined): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  if (!metricsUrl) return totals;
  const text = await (await fetch(metricsUrl)).text();
  for (const line of text.split('\n')) {
    const m = /^(visibility_)?persistence_requests\{([^}]*)\} ([0-9.e+]+)$/.exec(line);
    const operation = m && /operation="([^"]+)"/.exec(m[2]!)?.[1];
    if (!operation || /^(Get|List|Count|Read|Scan)/.test(operation)) continue;
    const key = `${m[1] ? 'visibility' : 'history'}:${operation}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(m[3]));
  }
  return totals;
}

/** Visibility writes are applied from a queue: give them a moment before counting. */
async function writesAfterSettling(metricsUrl: string | undefined): Promise<Map<string, number>> {
  await pause(3000);
  return serverWrites(metricsUrl);
}

function perJourney(before: Map<string, number>, after: Map<string, number>, journeys: number) {
  const out: Record<string, number> = {};
  for (const [op, n] of after) {
    const d = (n - (before.get(op) ?? 0)) / journeys;
    if (d >= 0.05) out[op] = Math.round(d * 10) / 10;
  }
  return out;
}

/** Each numeric figure: the same for every journey of a run, else the smallest and largest. */
function spread<T extends object>(all: T[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, first] of Object.entries(all[0]!)) {
    if (typeof first !== 'number') continue;
    const values = all.map((c) => (c as Record<string, number>)[k]!);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    out[k] = lo === hi ? String(lo) : `${lo}–${hi}`;
  }
  return out;
}

function summarise(all: Counts[]) {
  const out = spread(all);
  out.eagerStart = `${all.filter((c) => c.eagerStart).length} of ${all.length}`;
  return out;
}

const bench = await benchDatabase('boomerang_bench_history');
const { db } = bench;
// The dev server reports its writes on a Prometheus endpoint; the production server here has none.
const metricsPort = 20000 + Math.floor(Math.random() * 20000);
const metricsUrl = engineKind === 'dev' ? `http://127.0.0.1:${metricsPort}/metrics` : undefined;
const engine = await startEngine(engineKind, bench.url, {
  devServerArgs: ['--metrics-port', String(metricsPort)],
});
try {
  await ensurePresetSegments(db);
  await sql`INSERT INTO contacts (email, newsletter_status) SELECT 'e' || g || '@bench.example', 'subscribed' FROM generate_series(1, ${contacts * 2}::int) g`.execute(
    db,
  );
  // In the low-CLV segment: the journey goes on to its coupon and email.
  await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
    SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
  await generateCoupons(db, 'bench', contacts * 2 + 10, { prefix: 'B-' });
  await saveCampaign(db, {
    id: 'low-clv',
    name: 'Low CLV',
    kind: 'low_clv_coupon',
    couponSet: 'bench',
    waits: { beforeReminder: '1 minute' },
  });
  const welcome = await saveCampaign(db, {
    id: 'welcome',
    name: 'Welcome',
    kind: 'welcome_voucher',
    couponSet: 'bench',
    waits: { afterWelcome: '1 minute', afterVoucher: '1 minute' },
    // Open all day, so that the bench's journeys do not wait for tomorrow's 09:00.
    contactWindow: { days: [...WEEKDAYS], from: '00:00', to: '24:00' },
  });
  const { workers, running } = await startBenchWorkers(engine.nativeConnection, db, {
    taskQueue,
  });
  const { client } = engine;
  const ids = await db.selectFrom('contacts').select('id').orderBy('id').execute();

  // The launch enrols every contact with an email: the second half, the welcome journeys'
  // contacts, get theirs back after it.
  const launchIds = ids.slice(0, contacts).map((r) => r.id);
  await sql`UPDATE contacts SET email = NULL WHERE id > ${launchIds.at(-1)!}`.execute(db);
  let before = await serverWrites(metricsUrl);
  const launch = await client.workflow.execute(launchCampaign, {
    taskQueue: controlTaskQueue(taskQueue),
    workflowId: 'launch/low-clv',
    args: [{ campaignId: 'low-clv', batchSize: 500 }],
  });
  const lowClv = await Promise.all(
    launchIds.map((id) => untilAsleepAfterFirstEmail(client, `low-clv/${id}`)),
  );
  const lowClvPersistence = perJourney(before, await writesAfterSettling(metricsUrl), contacts);
  const launchHistory = await client.workflow.getHandle('launch/low-clv').fetchHistory();

  await sql`UPDATE contacts SET email = 'w' || id || '@bench.example' WHERE id > ${launchIds.at(-1)!}`.execute(
    db,
  );
  const welcomeIds = ids.slice(contacts).map((r) => r.id);
  // As the worker starts journeys (its launches, segment entries): on its own connection.
  const starter = {
    client: clientOnWorkerConnection(engine.nativeConnection, loadConfig()),
    db,
    taskQueue,
    eagerStart: true,
  };
  before = await serverWrites(metricsUrl);
  for (const id of welcomeIds) await startJourney(starter, welcome.campaign, id);
  const welcomes = await Promise.all(
    welcomeIds.map((id) => untilAsleepAfterFirstEmail(client, `welcome/${id}`)),
  );
  const welcomePersistence = perJourney(before, await writesAfterSettling(metricsUrl), contacts);
  log('every journey asleep after its first email; waiting for them to end');
  const whole = {
    'low-CLV (launch)': await wholeJourneys(
      client,
      launchIds.map((id) => `low-clv/${id}`),
    ),
    'welcome voucher (one start each)': await wholeJourneys(
      client,
      welcomeIds.map((id) => `welcome/${id}`),
    ),
  };
  for (const w of workers) w.shutdown();
  await running;

  const journeys = {
    'low-CLV (launch)': { counts: lowClv.map(countEvents), persistence: lowClvPersistence },
    'welcome voucher (one start each)': {
      counts: welcomes.map(countEvents),
      persistence: welcomePersistence,
    },
  };
  const rows: { metric: string; value: string }[] = [];
  for (const [name, { counts, persistence }] of Object.entries(journeys)) {
    const s = summarise(counts);
    for (const [k, v] of Object.entries(s)) rows.push({ metric: `${name}: ${k}`, value: v });
    for (const store of metricsUrl ? ['history', 'visibility'] : []) {
      const writes = Object.entries(persistence).filter(([k]) => k.startsWith(`${store}:`));
      rows.push({
        metric: `${name}: ${store} store writes per journey`,
        value: writes.reduce((a, [, n]) => a + n, 0).toFixed(1),
      });
    }
    for (const [k, v] of Object.entries(whole[name as keyof typeof whole]))
      rows.push({ metric: `${name}, whole journey: cloud actions, ${k}`, value: v });
    log(`${name}: events by type ${JSON.stringify(counts[0]!.byType)}`);
    log(`${name}: server writes per journey by operation ${JSON.stringify(persistence)}`);
  }
  const launchEvents = launchHistory.events?.length ?? 0;
  rows.push(
    { metric: `launch: contacts enrolled`, value: String(launch.started) },
    { metric: `launch: events in the launch's history`, value: String(launchEvents) },
    {
      metric: `launch: launch history events per contact`,
      value: (launchEvents / launch.started).toFixed(2),
    },
  );
  await report(`history-${engineKind}`, rows, { contacts, journeys, launch, launchEvents });
} finally {
  await engine.stop();
  await bench.close();
}
