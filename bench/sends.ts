/**
 * bench/sends: email sends against the provider simulator limited to 5 requests/s (Resend's kind
 * of limit), with the real `resend` client over HTTP.
 *
 * 1. Throughput: a backlog of --emails (default 5,000) queued emails, sent in batches of 100;
 *    emails accepted per second ÷ the ceiling (5 requests/s × 100), goal ≥ 0.9. Beside it, the same
 *    with one email per request (--single, default 100 emails), whose ceiling is 5 emails/s.
 * 2. Keeping up: --arrivals (default 20,000) journeys reaching their send node at --arrival-rate
 *    (default 250/s, half the ceiling) — the send activity run for each as the worker runs it,
 *    the email sender running — duplicates, losses, and the time from the activity starting to
 *    the simulator accepting its email, p50/p99 (goal p99 < 2 s).
 * 3. With --campaign: the same through Temporal (dev server) and the real workers, a campaign of
 *    --contacts (default 20,000), timed from the send activity being scheduled. On a shared 2-core
 *    machine the dev server starts journeys at a few per second, far below the send rate, so part
 *    2 is the one that loads the sender.
 *
 *   npm run bench -- sends [--emails 5000] [--single 100] [--arrivals 20000] [--arrival-rate 250]
 *                          [--campaign [--contacts 20000]]
 */
import { Context } from '@temporalio/activity';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { sql } from 'kysely';
import { createMessagingActivities, type SendMessageInput } from '../src/activities/messaging.js';
import { startEmailSender } from '../src/channels/email-sender.js';
import { createChannels } from '../src/channels/index.js';
import { createOutcomeWaiter } from '../src/channels/outcome-waiter.js';
import { sharedRequestRate } from '../src/channels/rate-limit.js';
import { startSending } from '../src/channels/sending.js';
import { startProviderSimulator } from '../src/channels/simulator/server.js';
import { loadConfig } from '../src/config.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import { createDb } from '../src/db/database.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { launchCampaign } from '../src/workflows/launch.js';
import { createMessagesWorker, createWorker } from '../src/worker.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { arg, benchDatabase, log, report, startDevServer } from './support.js';

const RATE = 5;
const emails = arg('emails', 5000);
const single = arg('single', 100);
const contacts = arg('contacts', 20_000);
const arrivals = arg('arrivals', 20_000);
const arrivalRate = arg('arrival-rate', 250);
const runCampaign = process.argv.includes('--campaign');

Runtime.install({ logger: new DefaultLogger('WARN') });
const bench = await benchDatabase('boomerang_bench_sends');
// The send activities claim thousands of emails at once; the bench's own pool would be the bottleneck.
const db = createDb(bench.url, { max: 16 });
let run = 0;
await db
  .insertInto('campaigns')
  .values({ id: 'throughput', kind: 'low_clv_coupon', name: 'Throughput', definition: '{}' })
  .execute();

function envFor(url: string, extra: NodeJS.ProcessEnv = {}) {
  return {
    BOOMERANG_SIGNING_SECRET: 'bench',
    EMAIL_PROVIDER: 'resend',
    RESEND_API_KEY: 're_bench',
    RESEND_BASE_URL: url,
    EMAIL_REQUESTS_PER_SECOND: String(RATE),
    ...extra,
  };
}

async function addContacts(count: number, prefix: string): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO contacts (email, newsletter_status, first_name)
    SELECT ${prefix} || g || '@bench.example', 'subscribed', 'Ada' FROM generate_series(1, ${count}::int) g
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Queues `count` emails (the send activities claim them and wait), then starts the email sender
 * and measures how fast the simulator accepts them.
 */
async function throughput(count: number, batchSize: number) {
  run++;
  await sql`DELETE FROM provider_rate_limits`.execute(db);
  const simulator = await startProviderSimulator({ emailRequestsPerSecond: RATE });
  const config = loadConfig(envFor(simulator.url, { EMAIL_BATCH_SIZE: String(batchSize) }));
  const channels = createChannels(config, db);
  const waiter = createOutcomeWaiter(db);
  const activities = createMessagingActivities({
    db,
    channels,
    config,
    emailQueue: { waiter, wake: () => {}, waitMs: 60 * 60_000 },
  });
  try {
    const ids = await addContacts(count, `t${run}-`);
    log(`throughput: queueing ${count} emails (batches of ${batchSize})`);
    const sends = ids.map((contactId) =>
      new MockActivityEnvironment({
        workflowExecution: { workflowId: `bench-${run}/${contactId}`, runId: 'r' },
      }).run(activities.sendEmail, {
        step: 'send',
        campaignId: 'throughput',
        contactId,
        template: { subject: 'Hello', html: '<p>Hello {{ contact.first_name }}</p>' },
        category: 'marketing',
      } satisfies SendMessageInput),
    );
    const queueing = Date.now();
    for (;;) {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM messages WHERE workflow_id LIKE ${`bench-${run}/%`}`.execute(
        db,
      );
      if (rows[0]!.n >= count) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    log(`throughput: queued in ${((Date.now() - queueing) / 1000).toFixed(1)} s; sending`);
    const started = Date.now();
    const sender = startEmailSender({
      db,
      provider: channels.email,
      from: config.email.from,
      rate: sharedRequestRate(db, 'email', RATE),
      batchSize,
      log: () => {},
    });
    await Promise.all(sends);
    const seconds = (Date.now() - started) / 1000;
    await sender.stop();
    const times = simulator.emails.map((e) => e.at);
    const first = Math.min(...times);
    const firstRequest = simulator.emails.filter((e) => e.at === first).length;
    // From the first request to the last: the steady rate, without the start-up instant.
    const rate = (simulator.emails.length - firstRequest) / ((Math.max(...times) - first) / 1000);
    const unique = new Set(simulator.emails.map((e) => e.to)).size;
    return {
      emails: count,
      accepted: simulator.emails.length,
      unique,
      seconds,
      rate,
      ratio: rate / (RATE * batchSize),
      rateLimited: simulator.stats.rateLimited,
      requests: simulator.stats.batchRequests + simulator.stats.emailRequests,
    };
  } finally {
    waiter.close();
    await simulator.close();
  }
}

/** What the simulator accepted against when each send started: duplicates, losses, latency. */
function outcome(
  accepted: { to: string; at: number }[],
  startedAt: Map<string, number>,
): { duplicates: number; losses: number; p50: number; p99: number; max: number } {
  const times = new Map<string, number[]>();
  for (const e of accepted) times.set(e.to, [...(times.get(e.to) ?? []), e.at]);
  const duplicates = [...times.values()].filter((t) => t.length > 1).length;
  const losses = [...startedAt.keys()].filter((to) => !times.has(to)).length;
  const latencies = [...startedAt]
    .filter(([to]) => times.has(to))
    .map(([to, at]) => (times.get(to)![0]! - at) / 1000)
    .sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { duplicates, losses, p50: pct(0.5), p99: pct(0.99), max: latencies.at(-1) ?? NaN };
}

/** `count` journeys reach their send node at `perSecond`; the sender must keep up. */
async function keepingUp(count: number, perSecond: number) {
  run++;
  await sql`DELETE FROM provider_rate_limits`.execute(db);
  const simulator = await startProviderSimulator({ emailRequestsPerSecond: RATE });
  const config = loadConfig(envFor(simulator.url));
  const channels = createChannels(config, db);
  const sending = startSending(config, db, channels, { waitMs: 60 * 60_000 });
  const activities = createMessagingActivities({
    db,
    channels,
    config,
    emailQueue: sending.emailQueue,
  });
  try {
    const ids = await addContacts(count, `k${run}-`);
    log(`keeping up: ${count} sends arriving at ${perSecond}/s`);
    const startedAt = new Map<string, number>();
    const sends: Promise<unknown>[] = [];
    const begin = Date.now();
    for (let i = 0; i < ids.length; i++) {
      // Arrivals on a fixed schedule, whatever the event loop is doing.
      const due = begin + (i * 1000) / perSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const contactId = ids[i]!;
      startedAt.set(`k${run}-${i + 1}@bench.example`, Date.now());
      sends.push(
        new MockActivityEnvironment({
          workflowExecution: { workflowId: `keep-${run}/${contactId}`, runId: 'r' },
        }).run(activities.sendEmail, {
          step: 'send',
          campaignId: 'throughput',
          contactId,
          template: { subject: 'Hello', html: '<p>Hello {{ contact.first_name }}</p>' },
          category: 'marketing',
        } satisfies SendMessageInput),
      );
    }
    const arrivedIn = (Date.now() - begin) / 1000;
    await Promise.all(sends);
    const seconds = (Date.now() - begin) / 1000;
    // The same from the moment the activity had claimed the email (consent, render, cap done):
    // the sender's own share of the latency.
    const claims = await db
      .selectFrom('messages')
      .select(['to_address', 'created_at'])
      .where('workflow_id', 'like', `keep-${run}/%`)
      .execute();
    const claimedAt = new Map(claims.map((c) => [c.to_address, new Date(c.created_at).getTime()]));
    const fromClaim = outcome(simulator.emails, claimedAt);
    return {
      fromClaimP50: fromClaim.p50,
      fromClaimP99: fromClaim.p99,
      sends: count,
      arrivalRate: count / arrivedIn,
      seconds,
      requests: simulator.stats.batchRequests,
      rateLimited: simulator.stats.rateLimited,
      ...outcome(simulator.emails, startedAt),
    };
  } finally {
    await sending.stop();
    await simulator.close();
  }
}

async function campaign(count: number) {
  await sql`DELETE FROM provider_rate_limits`.execute(db);
  const env = await startDevServer();
  const simulator = await startProviderSimulator({ emailRequestsPerSecond: RATE });
  try {
    log(`campaign: preparing ${count.toLocaleString()} contacts in "Customers to reengage"`);
    await ensurePresetSegments(db);
    await sql`DELETE FROM contacts WHERE id NOT IN (SELECT contact_id FROM messages)`.execute(db);
    const ids = await addContacts(count, 'c-');
    await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
      SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts WHERE id = any(${ids}::bigint[])`.execute(
      db,
    );
    await generateCoupons(db, 'bench', count + 100, { prefix: 'B-' });
    await saveCampaign(db, {
      id: 'bench',
      name: 'Bench low-CLV',
      kind: 'low_clv_coupon',
      couponSet: 'bench',
    });

    const config = loadConfig({ ...envFor(simulator.url), TEMPORAL_TASK_QUEUE: 'bench' });
    const channels = createChannels(config, db);
    const sending = startSending(config, db, channels);
    // When each journey's send activity was first scheduled: the journey reached its send node.
    const scheduled = new Map<string, number>();
    const options = {
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: 'bench',
      deps: { db, config, temporal: env.client, channels, sending },
    };
    const workers = await Promise.all([
      createWorker(options),
      createMessagesWorker({
        ...options,
        overrides: {
          interceptors: {
            activity: [
              () => ({
                inbound: {
                  async execute(input, next) {
                    const info = Context.current().info;
                    const id = info.workflowExecution?.workflowId ?? '';
                    if (!scheduled.has(id)) scheduled.set(id, info.scheduledTimestampMs);
                    return next(input);
                  },
                },
              }),
            ],
          },
        },
      }),
    ]);
    const running = Promise.all(workers.map((w) => w.run()));
    log(`campaign: launching ${count.toLocaleString()} journeys`);
    const started = Date.now();
    await env.client.workflow.execute(launchCampaign, {
      taskQueue: 'bench',
      workflowId: 'launch/bench',
      args: [{ campaignId: 'bench', batchSize: 500 }],
    });
    const launchSeconds = (Date.now() - started) / 1000;
    log(`campaign: launched in ${launchSeconds.toFixed(0)} s; waiting for the sends`);
    for (;;) {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM messages WHERE campaign_id = 'bench' AND status <> 'sending'`.execute(
        db,
      );
      if (rows[0]!.n >= count || Date.now() - started > 60 * 60_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (Date.now() - started) / 1000;
    for (const w of workers) w.shutdown();
    await running;
    await sending.stop();

    const rows = await db
      .selectFrom('messages')
      .select(['to_address', 'workflow_id', 'status'])
      .where('campaign_id', '=', 'bench')
      .execute();
    const accepted = new Map<string, number[]>();
    for (const e of simulator.emails) accepted.set(e.to, [...(accepted.get(e.to) ?? []), e.at]);
    const duplicates = [...accepted.values()].filter((a) => a.length > 1).length;
    const expected = new Set(ids.map((_, i) => `c-${i + 1}@bench.example`));
    const losses = [...expected].filter((to) => !accepted.has(to)).length;
    const latencies: number[] = [];
    for (const r of rows) {
      const at = accepted.get(r.to_address)?.[0];
      const from = r.workflow_id ? scheduled.get(r.workflow_id) : undefined;
      if (at !== undefined && from !== undefined) latencies.push((at - from) / 1000);
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
    return {
      contacts: count,
      accepted: simulator.emails.length,
      duplicates,
      losses,
      launchSeconds,
      seconds,
      p50: pct(0.5),
      p99: pct(0.99),
      max: latencies.at(-1) ?? NaN,
      requests: simulator.stats.batchRequests,
      rateLimited: simulator.stats.rateLimited,
      journeysPerSecond: count / launchSeconds,
    };
  } finally {
    await simulator.close();
    await env.teardown();
  }
}

try {
  const batched = await throughput(emails, 100);
  const oneByOne = await throughput(single, 1);
  const keeping = await keepingUp(arrivals, arrivalRate);
  const result = runCampaign ? await campaign(contacts) : undefined;
  await report(
    'sends',
    [
      {
        metric: `batches of 100: emails accepted per second (${emails} emails, ${RATE} req/s)`,
        value: batched.rate.toFixed(0),
      },
      {
        metric: `  ÷ ceiling (${RATE} req/s × 100 = ${RATE * 100}/s)`,
        value: batched.ratio.toFixed(2),
        goal: '≥ 0.9',
        ok: batched.ratio >= 0.9,
      },
      {
        metric: `  accepted / unique / 429s`,
        value: `${batched.accepted}/${batched.unique}/${batched.rateLimited}`,
      },
      {
        metric: `one email per request: emails accepted per second (${single} emails)`,
        value: oneByOne.rate.toFixed(2),
      },
      {
        metric: `  ÷ the batched ceiling (${RATE * 100}/s)`,
        value: (oneByOne.rate / (RATE * 100)).toFixed(3),
      },
      {
        metric: `${keeping.sends.toLocaleString()} sends arriving at ${keeping.arrivalRate.toFixed(0)}/s: duplicates / losses`,
        value: `${keeping.duplicates} / ${keeping.losses}`,
        goal: '0 / 0',
        ok: keeping.duplicates === 0 && keeping.losses === 0,
      },
      {
        metric: '  send node → accepted by the simulator, p50 (s)',
        value: keeping.p50.toFixed(2),
      },
      {
        metric: '  send node → accepted by the simulator, p99 (s)',
        value: keeping.p99.toFixed(2),
        goal: '< 2',
        ok: keeping.p99 < 2,
      },
      {
        metric: '  claimed (consent, render, cap done) → accepted, p50 / p99 (s)',
        value: `${keeping.fromClaimP50.toFixed(2)} / ${keeping.fromClaimP99.toFixed(2)}`,
      },
      {
        metric: `  requests / 429s; one email per request would need (min)`,
        value: `${keeping.requests} / ${keeping.rateLimited}; ${(keeping.sends / RATE / 60).toFixed(0)}`,
      },
      ...(result
        ? [
            {
              metric: `campaign of ${result.contacts.toLocaleString()}: journeys launched per second`,
              value: result.journeysPerSecond.toFixed(0),
            },
            {
              metric: '  duplicates / losses',
              value: `${result.duplicates} / ${result.losses}`,
              goal: '0 / 0',
              ok: result.duplicates === 0 && result.losses === 0,
            },
            {
              metric: '  send node → accepted by the simulator, p50 (s)',
              value: result.p50.toFixed(2),
            },
            {
              metric: '  send node → accepted by the simulator, p99 (s)',
              value: result.p99.toFixed(2),
              goal: '< 2',
              ok: result.p99 < 2,
            },
            {
              metric: '  one email per request would need (min)',
              value: (result.contacts / RATE / 60).toFixed(0),
            },
          ]
        : []),
    ],
    { rate: RATE, batched, oneByOne, keeping, campaign: result },
  );
} finally {
  await db.destroy();
  await bench.close();
}
