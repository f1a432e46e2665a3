/**
 * bench/checkouts: the abandoned-checkout flow under load, checked checkout by checkout
 * (bench/checkout-simulation.ts). 5,000 checkouts from 3,000 contacts are posted to `POST /events`
 * over --spread-seconds; a third are completed by an order during one of the flow's waits or
 * after its last message. The flow is examples/flows/abandoned-checkout.yaml with its waits
 * scaled down, keeping their proportions (1 hour → --hour-seconds: 1 h, 23 h and 2 days become
 * 4 s, 92 s and 192 s by default) and a 10% control group. Once every journey has ended, SQL
 * checks each checkout's journey (or why it has none), its messages, coupons and SMS against the
 * flow's prescription, and each journey whose contact ordered is judged from its Temporal
 * history: no send or coupon claim decided once told of the order, no wait led on from after it.
 * The report's recovered checkouts are printed; exits 1 when a check fails.
 *
 *   npm run bench -- checkouts [--checkouts 5000] [--contacts 3000] [--hour-seconds 4]
 *     [--spread-seconds 240] [--timeout-minutes 30]
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseReportOptions } from '../src/reports/options.js';
import { buildReport } from '../src/reports/report.js';
import {
  checkSimulation,
  planSimulation,
  runSimulation,
  seedSimulation,
  simulationFlow,
  startSimulationStack,
} from './checkout-simulation.js';
import { arg, benchDatabase, log, report, startDevServer } from './support.js';

const checkouts = arg('checkouts', 5000);
const contacts = arg('contacts', 3000);
const hourMs = arg('hour-seconds', 4) * 1000;
const spreadMs = arg('spread-seconds', 240) * 1000;
const timeoutMinutes = arg('timeout-minutes', 30);
// Orders keep this far from every wait's end, so lag under load cannot flip which side they fall.
const guardMs = Math.min(1500, hourMs / 4);

Runtime.install({ logger: new DefaultLogger('WARN') });

const bench = await benchDatabase('boomerang_bench_checkouts');
const { db } = bench;
const env = await startDevServer();
try {
  const flow = await simulationFlow([hourMs, 23 * hourMs, 48 * hourMs], 10);
  const plan = planSimulation({ checkouts, contacts, spreadMs, gapMs: 2000, seed: 2026 });
  log(
    `${checkouts.toLocaleString()} checkouts from ${contacts.toLocaleString()} contacts over ${spreadMs / 1000} s; waits ${flow.waitsMs.map((w) => `${w / 1000} s`).join(', ')}`,
  );
  await seedSimulation(db, plan, flow);
  const sim = await startSimulationStack(db, env, 'bench-checkouts');
  let run;
  try {
    run = await runSimulation(db, sim.httpUrl, plan, flow, {
      guardMs,
      timeoutMs: timeoutMinutes * 60_000,
      log,
    });
  } finally {
    await sim.stop();
  }
  const checks = await checkSimulation(db, env.client, flow, guardMs / 2);
  const recovery = (
    await buildReport(
      db,
      { temporal: { uiUrl: '', namespace: 'default' }, shop: { currency: 'EUR', timezone: 'UTC' } },
      parseReportOptions({ campaign: flow.campaignId }),
    )
  ).campaigns[0]!.checkouts!;
  for (const line of checks.examples) log(`mismatch: ${line}`);
  const n = (x: number) => x.toLocaleString('en');
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
  /** A count the flow's rules say must be zero. */
  const none = (metric: string, count: number) => ({
    metric,
    value: n(count),
    goal: '0',
    ok: count === 0,
  });
  await report(
    'checkouts',
    [
      { metric: 'checkouts / contacts', value: `${n(checks.checkouts)} / ${n(checks.contacts)}` },
      {
        metric: 'wall time, first checkout to every journey ended (s)',
        value: run.seconds.toFixed(0),
      },
      {
        metric: 'journeys (treated / held out) / failed / running',
        value: `${n(checks.journeys.total)} (${n(checks.journeys.treated)} / ${n(checks.journeys.heldOut)}) / ${checks.journeys.failed} / ${checks.journeys.running}`,
        goal: '0 failed, 0 running',
        ok: checks.journeys.failed === 0 && checks.journeys.running === 0 && !run.timedOut,
      },
      ...Object.entries(checks.noJourney).map(([why, count]) => ({
        metric: `checkouts without a journey: ${why}`,
        value: n(count),
      })),
      none('checkouts whose journey is not the one the rules give', checks.wrongJourney),
      none('contacts with more than one journey (7-day rule)', checks.contactsWithTwoJourneys),
      {
        metric: 'orders posted',
        value: n(run.ordersPosted),
      },
      {
        metric:
          'journeys whose contact ordered, by the wait it came in (their histories): 1 / 2 / 3 / after it',
        value: checks.orderedDuring.map(n).join(' / '),
      },
      {
        metric: 'journeys by nodes reached (none / email / +coupon / +SMS step)',
        value: checks.stages.map(n).join(' / '),
      },
      {
        metric: 'sent: item emails / coupon emails / SMS; withheld (control)',
        value: `${n(checks.sent.firstEmail)} / ${n(checks.sent.couponEmail)} / ${n(checks.sent.sms)}; ${n(checks.sent.withheld)}`,
      },
      { metric: 'coupons assigned', value: n(checks.couponsAssigned) },
      none(
        'journeys whose sends or coupons differ from the prescription or their history',
        checks.wrongSends,
      ),
      none(
        'journeys that led on from a wait once told of the order, or stopped before any order',
        checks.wrongStage,
      ),
      none('sends or coupon claims decided once told of the order', checks.afterOrder),
      {
        metric: 'sends or coupon claims decided before told, stored after the order row',
        value: n(checks.inFlightAtOrder),
      },
      {
        metric: 'purchase signals of orders placed before their journey started (no exit)',
        value: n(checks.ordersBeforeJourney),
      },
      none('SMS to contacts without SMS consent', checks.smsWithoutConsent),
      {
        metric: 'waits ended between the order row and the signal (either outcome)',
        value: n(checks.atAWaitsEnd),
      },
      {
        metric: 'report: recovered / entered, treated',
        value: `${n(recovery.treated.recovered)} / ${n(recovery.treated.checkouts)} (${pct(recovery.treated.recoveryRate)})`,
      },
      {
        metric: 'report: recovered / entered, held out',
        value: `${n(recovery.heldOut.recovered)} / ${n(recovery.heldOut.checkouts)} (${pct(recovery.heldOut.recoveryRate)})`,
      },
      ...recovery.bySendNode.map((node) => ({
        metric: `report: recovered last after ${node.node}, treated / held out`,
        value: `${n(node.treated.recovered)} of ${n(node.treated.checkouts)} / ${n(node.heldOut.recovered)} of ${n(node.heldOut.checkouts)}`,
      })),
    ],
    { checkouts, contacts, hourMs, spreadMs, run, checks, recovery },
  );
  console.log(`\n${checks.pass && !run.timedOut ? 'PASS' : 'FAIL'}`);
  if (!checks.pass || run.timedOut) process.exitCode = 1;
} finally {
  await env.teardown();
  await bench.close();
}
