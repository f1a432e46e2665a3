/**
 * bench/enroll: launching N contacts (default 10,000) into the low-CLV campaign on the dev server,
 * in contacts per second, against starting N empty workflows with the same concurrency in the same
 * run (goal ≥ 0.5); then the worker's memory while the N journeys sleep in their 7-day wait (goal:
 * flat — the sticky cache is bounded).
 *
 *   npm run bench -- enroll [--contacts 10000]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { LAUNCH_CONCURRENCY } from '../src/activities/launch.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { controlTaskQueue } from '../src/campaigns/journey-contract.js';
import { launchCampaign } from '../src/workflows/launch.js';
import {
  arg,
  benchDatabase,
  log,
  measure,
  report,
  startBenchWorkers,
  startEmptyWorkflows,
  collectGarbage,
  startDevServer,
} from './support.js';

const contacts = arg('contacts', 10_000);
/** --no-memory: measure the launch only, not the wait until every journey sleeps. */
const measureMemory = !process.argv.includes('--no-memory');
// The launch activity starts journeys this many at a time; the baseline does the same.
const CONCURRENCY = LAUNCH_CONCURRENCY;

Runtime.install({ logger: new DefaultLogger('WARN') });
const env = await startDevServer();
const bench = await benchDatabase('boomerang_bench_enroll');
const { db } = bench;
try {
  log(`preparing ${contacts.toLocaleString()} contacts in "Customers to reengage"`);
  await ensurePresetSegments(db);
  await sql`INSERT INTO contacts (email, newsletter_status) SELECT 'e' || g || '@bench.example', 'subscribed' FROM generate_series(1, ${contacts}::int) g`.execute(
    db,
  );
  await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
    SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
  await generateCoupons(db, 'bench', contacts + 100, { prefix: 'B-' });
  await saveCampaign(db, {
    id: 'bench',
    name: 'Bench low-CLV',
    kind: 'low_clv_coupon',
    couponSet: 'bench',
  });

  log(`baseline: starting ${contacts.toLocaleString()} empty workflows, ${CONCURRENCY} at a time`);
  const baseline = await measure(() => startEmptyWorkflows(env.client, contacts, CONCURRENCY));

  const { workers, running } = await startBenchWorkers(env.nativeConnection, db);

  log(
    `launch: ${contacts.toLocaleString()} contacts into the low-CLV campaign (journeys run meanwhile)`,
  );
  const launch = await measure(() =>
    env.client.workflow.execute(launchCampaign, {
      taskQueue: controlTaskQueue('bench'),
      workflowId: 'launch/bench',
      args: [{ campaignId: 'bench', batchSize: 500 }],
    }),
  );
  if (launch.result.started !== contacts)
    throw new Error(`launch started ${launch.result.started} journeys, expected ${contacts}`);

  log('memory: waiting for every journey to send its email and sleep in its 7-day wait');
  const sleeping = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`SELECT count(*)::int AS n FROM journey_events WHERE campaign_id = 'bench' AND step = 'wait'`.execute(
          db,
        )
      ).rows[0]!.n,
    );
  const samples: { sleeping: number; rssMiB: number; heapMiB: number }[] = [];
  const started = Date.now();
  for (;;) {
    if (!measureMemory) break;
    const n = await sleeping();
    const mem = process.memoryUsage();
    samples.push({ sleeping: n, rssMiB: mem.rss / 2 ** 20, heapMiB: mem.heapUsed / 2 ** 20 });
    if (n >= contacts || Date.now() - started > 30 * 60_000) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const drained = (Date.now() - started) / 1000;
  collectGarbage();
  const atQuarter = samples.find((s) => s.sleeping >= contacts / 4) ??
    samples[0] ?? { sleeping: 0, rssMiB: 0, heapMiB: 0 };
  const atEnd = samples.at(-1) ?? atQuarter;

  for (const w of workers) w.shutdown();
  await running;

  const baselineRate = contacts / baseline.seconds;
  const launchRate = contacts / launch.seconds;
  const ratio = launchRate / baselineRate;
  const growth = atEnd.rssMiB / atQuarter.rssMiB;
  await report(
    'enroll',
    [
      {
        metric: `baseline: empty workflows started per second (${CONCURRENCY} at a time)`,
        value: baselineRate.toFixed(0),
      },
      { metric: 'launch: contacts enrolled per second', value: launchRate.toFixed(0) },
      {
        metric: 'launch / baseline',
        value: `${ratio.toFixed(2)}×`,
        goal: '≥ 0.5',
        ok: ratio >= 0.5,
      },
      ...(measureMemory
        ? [
            {
              metric: 'time until every journey sleeps in its wait (s)',
              value: drained.toFixed(0),
            },
            {
              metric: `worker RSS at ${atQuarter.sleeping.toLocaleString()} sleeping journeys (MiB)`,
              value: atQuarter.rssMiB.toFixed(0),
            },
            {
              metric: `worker RSS at ${atEnd.sleeping.toLocaleString()} sleeping journeys (MiB)`,
              value: atEnd.rssMiB.toFixed(0),
            },
            {
              metric: 'RSS growth from a quarter to all sleeping',
              value: `${growth.toFixed(2)}×`,
              goal: '≤ 1.25 (flat)',
              ok: growth <= 1.25,
            },
          ]
        : []),
    ],
    { contacts, baseline: baseline.seconds, launch: launch.seconds, ratio, samples, drained },
  );
} finally {
  await bench.close();
  await env.teardown();
}
