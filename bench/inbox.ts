/**
 * bench/inbox: does the inbox drain as fast as POST /events fills it, and do its journeys start as
 * fast as the engine starts workflows? In one run, on the dev server or the production server,
 * with an active welcome campaign (so every registration enters a journey, as in production):
 *   accepted  events/s that POST /events stores with 100 concurrent clients (processor off);
 *   applied   events/s that the inbox processor applies from the resulting backlog (claimed
 *             batches of 500: contacts upserted together, their journeys queued in the start
 *             queue), and, as the baseline, one event at a time (processInboxEvent, its journey
 *             started before the next) on a sample;
 *   started   journeys/s that the start queue's starter starts (START_CONCURRENCY in flight),
 *             running beside the processor as in the HTTP process, against the same engine's
 *             empty workflows started as many at a time, on the fresh engine, in the same run.
 * Goals: applied ≥ accepted; started ≥ 0.9 × empty starts.
 *
 * With --journeys 0 there is no welcome campaign: what applying costs without the journey starts.
 *
 *   npm run bench -- inbox [--events 20000] [--clients 100] [--baseline 1000] [--journeys 1|0]
 *                          [--engine dev|server]
 */
import os from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import { createDb } from '../src/db/database.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { listInboxEvents } from '../src/db/inbox.js';
import { starter } from '../src/inbox/journey-entry.js';
import { processInboxBatch, processInboxEvent } from '../src/inbox/processor.js';
import { drainStartQueue, START_CONCURRENCY, startQueueStatus } from '../src/inbox/start-queue.js';
import {
  arg,
  cpuMsPer,
  cpuSeconds,
  type CpuSeconds,
  benchDatabase,
  log,
  measure,
  report,
  startEmptyWorkflows,
  startEngine,
} from './support.js';

const events = arg('events', 20_000);
const clients = arg('clients', 100);
const baselineEvents = arg('baseline', 1000);
const journeys = arg('journeys', 1) !== 0;
const API_KEY = 'bmr_bench';

const engineIndex = process.argv.indexOf('--engine');
const engineKind = engineIndex >= 0 ? process.argv[engineIndex + 1] : 'dev';
if (engineKind !== 'dev' && engineKind !== 'server')
  throw new Error(`--engine must be dev or server, got ${engineKind}`);

const formatCpu = (c: CpuSeconds) =>
  `${c.self.toFixed(1)} / ${c.temporal.toFixed(1)} / ${c.postgres.toFixed(1)} (${(c.self + c.temporal + c.postgres).toFixed(1)})`;

Runtime.install({ logger: new DefaultLogger('WARN') });
const bench = await benchDatabase('boomerang_bench_inbox');
const env = await startEngine(engineKind, bench.url);
// The HTTP endpoint's own pool, as `npm start` gives it.
const httpDb = createDb(bench.url);
const applyDb = createDb(bench.url);
try {
  let welcome: unknown;
  if (journeys) {
    await generateCoupons(bench.db, 'welcome', 10);
    ({ campaign: welcome } = await saveCampaign(bench.db, {
      id: 'welcome',
      name: 'Bench welcome',
      kind: 'welcome_voucher',
      couponSet: 'welcome',
    }));
  }
  const server = createHttpServer({
    db: httpDb,
    temporal: env.client,
    config: { apiKey: API_KEY, shopifyWebhookSecret: undefined, signingSecret: 'bench' },
  });
  const port = await listen(server, 0, '127.0.0.1');
  const total = events + baselineEvents;
  log(`accepted: ${total.toLocaleString()} registrations, ${clients} clients, one event a request`);
  let next = 0;
  let refused = 0;
  const accept = await measure(() =>
    Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < total) {
          const i = next++;
          const res = await fetch(`http://127.0.0.1:${port}/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              type: 'account_registered',
              event_id: `reg-${i}`,
              contact: { email: `c${i}@bench.example`, first_name: 'Bench' },
            }),
          });
          await res.arrayBuffer();
          if (res.status !== 202) refused++;
        }
      }),
    ),
  );
  server.closeAllConnections();
  server.close();
  if (refused) throw new Error(`${refused} events were not accepted`);

  const deps = { db: applyDb, temporal: env.client, taskQueue: 'bench-inbox' };
  log(`baseline: applying ${baselineEvents.toLocaleString()} events one at a time`);
  const sample = await listInboxEvents(applyDb, 'pending', baselineEvents);
  const baseline = await measure(async () => {
    for (const { id } of sample) {
      const outcome = await processInboxEvent(deps, id);
      if (outcome?.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`);
    }
  });
  // The engine's own ceiling for a registration that starts a journey: empty workflows started
  // with as many in flight, on the same engine, before it holds the run's journeys.
  const emptyCount = Math.min(events, 5000);
  log(
    `ceiling: starting ${emptyCount.toLocaleString()} empty workflows, ${START_CONCURRENCY} in flight`,
  );
  // The dev server holding every journey of a large run can fail here (SQLite deadlines).
  const ceiling = async (likeJourney?: { input: unknown }) => {
    const cpuBefore = await cpuSeconds();
    const rate = await measure(() =>
      startEmptyWorkflows(env.client, emptyCount, START_CONCURRENCY, likeJourney),
    ).then(
      (empty) => emptyCount / empty.seconds,
      (err: unknown) => {
        log(`ceiling failed: ${(err as Error).message}`);
        return NaN;
      },
    );
    return { rate, cpuMs: cpuMsPer(cpuBefore, await cpuSeconds(), emptyCount) };
  };
  const empty = await ceiling();
  const emptyRate = empty.rate;
  // The same starts carrying what a journey's start carries (search attributes, memo, summary,
  // its input): how much of the gap to the journeys is the engine's, how much the queue's.
  const shaped = journeys
    ? await ceiling({
        input: { campaign: welcome, contactId: 1, holdout: false, definitionVersion: 1 },
      })
    : undefined;

  log(
    `applied: draining the backlog of ${events.toLocaleString()} events, journeys queued; the start queue's starter beside it, ${START_CONCURRENCY} starts in flight`,
  );
  let applying = true;
  const cpuBeforeDrain = await cpuSeconds();
  const drain = measure(async () => {
    let applied = 0;
    try {
      for (;;) {
        const s = await processInboxBatch({ ...deps, queueStarts: true }, { limit: 500 });
        if (s.failed || s.rejected || s.parked)
          throw new Error(`not applied: ${JSON.stringify(s.outcomes.find((o) => o.error))}`);
        applied += s.applied;
        if (!s.outcomes.length) return applied;
      }
    } finally {
      applying = false;
    }
  });
  const starts = measure(async () => {
    let started = 0;
    for (;;) {
      const s = await drainStartQueue(starter(deps));
      if (s.failed) log(`start queue: ${s.failed} start(s) failed, retried`);
      started += s.started + s.alreadyStarted;
      if (!applying && (await startQueueStatus(applyDb)).queued === 0) return started;
      if (!s.started && !s.alreadyStarted) await new Promise((r) => setTimeout(r, 50));
    }
  });
  const [applied, started] = await Promise.all([drain, starts]);
  const drainCpuMs = cpuMsPer(cpuBeforeDrain, await cpuSeconds(), events);
  if (applied.result !== events) throw new Error(`applied ${applied.result}, expected ${events}`);
  const acceptedRate = total / accept.seconds;
  const baselineRate = baselineEvents / baseline.seconds;
  const appliedRate = events / applied.seconds;
  const startedRate = started.result / started.seconds;
  log(
    `accepted ${acceptedRate.toFixed(0)}/s, one at a time ${baselineRate.toFixed(0)}/s, batched ${appliedRate.toFixed(0)}/s (${applied.seconds.toFixed(0)} s); ` +
      `${started.result.toLocaleString()} journeys started at ${startedRate.toFixed(0)}/s (${started.seconds.toFixed(0)} s), empty starts ${emptyRate.toFixed(0)}/s`,
  );
  await report(
    'inbox',
    [
      {
        metric: `accepted events/s (POST /events, ${clients} clients)`,
        value: acceptedRate.toFixed(0),
      },
      {
        metric: `applied events/s, one at a time (baseline${journeys ? '' : ', no journeys'})`,
        value: baselineRate.toFixed(0),
      },
      {
        metric: `applied events/s, batched, journeys queued (${events.toLocaleString()} backlog)`,
        value: appliedRate.toFixed(0),
      },
      {
        metric: `journeys started/s from the start queue, ${START_CONCURRENCY} in flight`,
        value: journeys ? startedRate.toFixed(0) : '—',
      },
      {
        metric: `empty workflows started/s, ${START_CONCURRENCY} in flight (the engine's ceiling)`,
        value: emptyRate.toFixed(0),
      },
      {
        metric: `empty workflows started/s as a journey is (attributes, memo, input)`,
        value: shaped ? shaped.rate.toFixed(0) : '—',
      },
      {
        metric: 'CPU ms per empty start: bench / Temporal / Postgres',
        value: formatCpu(empty.cpuMs),
      },
      {
        metric: 'CPU ms per empty start as a journey: bench / Temporal / Postgres',
        value: shaped ? formatCpu(shaped.cpuMs) : '—',
      },
      {
        metric: 'CPU ms per event applied and its journey started: bench / Temporal / Postgres',
        value: formatCpu(drainCpuMs),
      },
      { metric: 'engine', value: engineKind === 'dev' ? 'dev server' : 'production server' },
      {
        // The machine is shared: the figures mean little without the load they were taken under.
        metric: 'load average (1, 5, 15 min) at the end',
        value: os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' '),
      },
      { metric: 'batched / one at a time', value: `${(appliedRate / baselineRate).toFixed(2)}×` },
      {
        metric: 'journeys started / empty starts',
        value: journeys ? (startedRate / emptyRate).toFixed(2) : '—',
        goal: journeys ? '≥ 0.9' : undefined,
        ok: startedRate >= 0.9 * emptyRate,
      },
      {
        metric: 'applied / accepted',
        value: (appliedRate / acceptedRate).toFixed(2),
        goal: '≥ 1',
        ok: appliedRate >= acceptedRate,
      },
    ],
    {
      events,
      clients,
      baselineEvents,
      journeys,
      acceptedRate,
      baselineRate,
      appliedRate,
      startedRate,
      emptyRate,
      shapedRate: shaped?.rate,
      cpuMs: { empty: empty.cpuMs, shaped: shaped?.cpuMs, drain: drainCpuMs },
      engine: engineKind,
    },
  );
} finally {
  await httpDb.destroy();
  await applyDb.destroy();
  // The production server keeps its state on the bench's Postgres: stopped first.
  await env.stop();
  await bench.close();
}
