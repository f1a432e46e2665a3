/**
 * bench/pressure: message pressure and provider feedback under load. Three campaigns run on the
 * same contacts under a shop-wide `FREQUENCY_CAP` of 2 per 7 days, with waits of seconds so the
 * run ends in minutes (the journeys count as --journeys, a third per campaign):
 *   - "welcome", the welcome voucher on newly registered contacts, priority 10, delays a capped
 *     message up to a minute; its voucher follows the welcome email 3 minutes later;
 *   - "launch-b", a second low-CLV launch, priority 5, delays a capped message up to 30 seconds;
 *     its email hours open 1 to 2 minutes after the start, so its offers wait for quiet hours and
 *     then take the slot the welcome email left, or meet the cap;
 *   - "launch-a", a low-CLV launch, priority 0, drops a capped message, and drops what is due in
 *     its quiet hours (they end 3 to 4 minutes after the start; its reminder comes 3 minutes after
 *     the offer).
 * With 2 per 7 days a slot frees only after 7 days, beyond every delay limit here: a capped message
 * that delays is dropped at once (`delay_limit_passed`); the delays that end in a send are the
 * quiet hours'.
 * Emails go to the provider simulator speaking Resend's API, which posts Resend's signed webhooks
 * to the HTTP endpoint (RESEND_WEBHOOK_SECRET set): 5% of the addresses hard-bounce
 * (`bounced+N@`), 5% complain (`complained+N@`), the rest are delivered. After every journey
 * ended, SQL checks: no contact over the cap in any 7-day window, no message claimed for an address
 * after its suppression, every capped, quiet or suppressed message recorded with its reason, no
 * duplicate; exits 1 when one fails.
 *
 *   npm run bench -- pressure [--journeys 10000] [--timeout-minutes 30]
 */
import type http from 'node:http';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { sql } from 'kysely';
import { controlTaskQueue } from '../src/campaigns/journey-contract.js';
import { createChannels } from '../src/channels/index.js';
import { startSending } from '../src/channels/sending.js';
import { startProviderSimulator } from '../src/channels/simulator/server.js';
import { loadConfig } from '../src/config.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import type { Db } from '../src/db/database.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startInboxProcessor } from '../src/inbox/processor.js';
import { launchCampaign } from '../src/workflows/launch.js';
import { createWorkers, WORKFLOWS_PATH } from '../src/worker.js';
import { arg, benchDatabase, log, report, startDevServer } from './support.js';

const journeys = arg('journeys', 10_000);
const timeoutMinutes = arg('timeout-minutes', 30);
const contacts = Math.ceil(journeys / 3);
const CAMPAIGNS = ['welcome', 'launch-b', 'launch-a'] as const;
const TASK_QUEUE = 'bench';
const WEBHOOK_SECRET = `whsec_${Buffer.from('pressure-bench-webhook-key').toString('base64')}`;

Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * A fixed-offset zone where it is around noon now, so the campaigns' windows (within one day,
 * "from" before "to") open and stay open during the run whatever the hour.
 */
function noonZone(now: Date): string {
  const offset = Math.max(-12, Math.min(14, 12 - now.getUTCHours()));
  // POSIX signs: Etc/GMT-2 is two hours ahead of UTC.
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

function hhmmIn(zone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

async function seed(db: Db, count: number, zone: string): Promise<void> {
  await ensurePresetSegments(db);
  // Every 20th address hard-bounces and the next complains (the simulator's auto webhooks).
  await sql`INSERT INTO contacts (email, newsletter_status, first_name, registered_at)
    SELECT CASE g % 20 WHEN 0 THEN 'bounced+' || g WHEN 1 THEN 'complained+' || g ELSE 'c' || g END
             || '@bench.example', 'subscribed', 'Ada', now()
    FROM generate_series(1, ${count}::int) g`.execute(db);
  await sql`INSERT INTO contact_indicators (contact_id, orders_count, total_spent, frequency, recency_days, age_days, monetary_value, clv_12m, forecast_purchases_12m, computed_at)
    SELECT id, 1, 30, 0, 0, 200, 0, 10, 0.2, now() FROM contacts`.execute(db);
  const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  // Hours open at a whole minute: launch-b's 1 to 2 minutes from now, launch-a's 3 to 4.
  const opensAt = (minutes: number) => hhmmIn(zone, new Date(Date.now() + minutes * 60_000));
  for (const id of CAMPAIGNS) await generateCoupons(db, id, count + 100, { prefix: `${id}-` });
  await saveCampaign(db, {
    id: 'launch-a',
    name: 'Launch A (low CLV, drops when capped or quiet)',
    kind: 'low_clv_coupon',
    couponSet: 'launch-a',
    waits: { beforeReminder: '3 minutes' },
    quietHours: { email: { days: everyDay, from: opensAt(4), to: '23:59' }, whenQuiet: 'drop' },
    frequencyCap: { whenCapped: 'drop', priority: 0 },
  });
  await saveCampaign(db, {
    id: 'launch-b',
    name: 'Launch B (low CLV, delays when capped, quiet hours)',
    kind: 'low_clv_coupon',
    couponSet: 'launch-b',
    waits: { beforeReminder: '20 seconds' },
    quietHours: { email: { days: everyDay, from: opensAt(2), to: '23:59' }, whenQuiet: 'wait' },
    frequencyCap: { whenCapped: 'delay', delayUpTo: '30 seconds', priority: 5 },
  });
  await saveCampaign(db, {
    id: 'welcome',
    name: 'Welcome (delays when capped)',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
    contactWindow: { days: everyDay, from: '00:00', to: '23:59' },
    waits: { afterWelcome: '3 minutes', afterVoucher: '15 seconds' },
    frequencyCap: { whenCapped: 'delay', delayUpTo: '1 minute', priority: 10 },
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rows<T>(db: Db, query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

const zone = noonZone(new Date());
const bench = await benchDatabase('boomerang_bench_pressure');
const { db } = bench;
const env = await startDevServer();
let server: http.Server | undefined;
try {
  log(`${journeys.toLocaleString()} journeys: ${contacts.toLocaleString()} contacts × 3 campaigns`);
  await seed(db, contacts, zone);
  const base = {
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    BOOMERANG_SIGNING_SECRET: 'bench',
    RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
    FREQUENCY_CAP: '2 per 7 days',
    SHOP_TIMEZONE: zone,
    SMS_SEND_HOURS: 'any',
  };
  // The HTTP endpoint and the inbox processor, as `npm run http` runs them.
  const httpConfig = loadConfig(base);
  let kick = () => {};
  server = createHttpServer({
    db,
    temporal: env.client,
    config: httpConfig,
    onEventsAccepted: () => kick(),
  });
  const httpUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const quiet = { info: () => {}, warn: (line: string) => log(line) };
  const processor = startInboxProcessor(
    {
      db,
      temporal: env.client,
      taskQueue: TASK_QUEUE,
      defaultCurrency: httpConfig.shop.currency,
      softBounces: httpConfig.providerFeedback.softBounces,
    },
    { log: quiet },
  );
  kick = () => processor.kick();

  // Resend's default limit is 2 requests/s; 10 keeps the run short and still batches.
  const simulator = await startProviderSimulator({
    emailRequestsPerSecond: 10,
    webhooks: { url: httpUrl, resendSecret: WEBHOOK_SECRET, auto: true, delayMs: 200 },
  });
  const config = loadConfig({
    ...base,
    EMAIL_PROVIDER: 'resend',
    RESEND_API_KEY: 're_bench',
    RESEND_BASE_URL: simulator.url,
    EMAIL_REQUESTS_PER_SECOND: '10',
  });
  const channels = createChannels(config, db);
  const sending = startSending(config, db, channels);
  const deps = { db, config, temporal: env.client, channels, sending };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const common = {
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    deps,
    workflowBundle: { code },
  };
  const workers = await createWorkers(common);
  const running = Promise.all(workers.map((w) => w.run()));

  const started = Date.now();
  log(`launching the three campaigns (shop time zone ${zone})`);
  await Promise.all(
    CAMPAIGNS.map((id) =>
      env.client.workflow.execute(launchCampaign, {
        taskQueue: controlTaskQueue(TASK_QUEUE),
        workflowId: `launch/${id}`,
        args: [{ campaignId: id, batchSize: 500 }],
      }),
    ),
  );
  log(
    `launched in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for every journey to end`,
  );
  let lastProgress = started;
  let timedOut = false;
  for (;;) {
    const [progress] = await rows(
      db,
      sql<{ enrolled: number; ended: number; sent: number }>`
        SELECT (SELECT count(*)::int FROM journeys) AS enrolled,
               (SELECT count(*)::int FROM journeys WHERE ended_at IS NOT NULL) AS ended,
               (SELECT count(*)::int FROM messages WHERE status = 'sent') AS sent`,
    );
    if (progress!.ended >= progress!.enrolled && progress!.enrolled >= contacts * 3) break;
    if (Date.now() - started > timeoutMinutes * 60_000) {
      timedOut = true;
      log(`timed out after ${timeoutMinutes} min`);
      break;
    }
    if (Date.now() - lastProgress >= 30_000) {
      lastProgress = Date.now();
      log(
        `${((Date.now() - started) / 1000).toFixed(0)} s: ${progress!.ended}/${progress!.enrolled} journeys ended, ${progress!.sent} emails sent`,
      );
    }
    await pause(1000);
  }
  const seconds = (Date.now() - started) / 1000;
  // The last webhooks, and the inbox applying them, before the checks.
  await simulator.webhooksSettled();
  while (
    Number(
      (
        await rows(
          db,
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM inbox_events WHERE processed_at IS NULL AND parked_at IS NULL`,
        )
      )[0]!.n,
    ) > 0
  )
    await pause(500);
  for (const w of workers) w.shutdown();
  await running;
  await sending.stop();
  await processor.stop();

  const [journeyCounts] = await rows(
    db,
    sql<{ enrolled: number; ended: number; failed: number }>`
      SELECT count(*)::int AS enrolled, count(ended_at)::int AS ended,
             count(*) FILTER (WHERE end_reason = 'failed')::int AS failed FROM journeys`,
  );
  // The most messages a contact got in any 7-day window: each message and those of the same contact in the 7 days before it.
  const [overCap] = await rows(
    db,
    sql<{ max: number | null; contacts: number }>`
      WITH m AS (SELECT id, contact_id, coalesce(sent_at, created_at) AS at FROM messages WHERE status = 'sent'),
      w AS (SELECT a.contact_id, count(*)::int AS n FROM m a JOIN m b
              ON b.contact_id = a.contact_id AND b.at > a.at - interval '7 days' AND b.at <= a.at
            GROUP BY a.contact_id, a.id)
      SELECT max(n) AS max, count(DISTINCT contact_id) FILTER (WHERE n > 2)::int AS contacts FROM w`,
  );
  // The contacts over the cap, message by message: what to look at when the check fails.
  const overCapMessages = await rows(
    db,
    sql<{
      contact_id: number;
      campaign_id: string;
      template: string;
      created_at: Date;
      sent_at: Date;
    }>`
      WITH m AS (SELECT id, contact_id, coalesce(sent_at, created_at) AS at FROM messages WHERE status = 'sent'),
      over AS (SELECT DISTINCT a.contact_id FROM m a JOIN m b
                 ON b.contact_id = a.contact_id AND b.at > a.at - interval '7 days' AND b.at <= a.at
               GROUP BY a.contact_id, a.id HAVING count(*) > 2 LIMIT 3)
      SELECT contact_id, campaign_id, template, created_at, sent_at FROM messages
      WHERE contact_id IN (SELECT contact_id FROM over) ORDER BY contact_id, created_at`,
  );
  for (const m of overCapMessages)
    log(
      `over the cap: contact ${m.contact_id} ${m.campaign_id} ${m.template} claimed ${new Date(m.created_at).toISOString()} sent ${new Date(m.sent_at).toISOString()}`,
    );
  const [suppressed] = await rows(
    db,
    sql<{
      addresses: number;
      bounces: number;
      complaints: number;
      claimedAfter: number;
      acceptedAfter: number;
    }>`
      SELECT (SELECT count(*)::int FROM suppressions WHERE channel = 'email') AS addresses,
             (SELECT count(*)::int FROM suppressions WHERE channel = 'email' AND reason = 'hard_bounce') AS bounces,
             (SELECT count(*)::int FROM suppressions WHERE channel = 'email' AND reason = 'complaint') AS complaints,
             (SELECT count(*)::int FROM messages m JOIN suppressions s
                ON s.channel = 'email' AND lower(s.address) = lower(m.to_address)
              WHERE m.channel = 'email' AND m.created_at > s.created_at) AS "claimedAfter",
             (SELECT count(*)::int FROM messages m JOIN suppressions s
                ON s.channel = 'email' AND lower(s.address) = lower(m.to_address)
              WHERE m.channel = 'email' AND m.created_at <= s.created_at AND m.sent_at > s.created_at) AS "acceptedAfter"`,
  );
  const skips = await rows(
    db,
    sql<{ reason: string | null; dropped: string | null; n: number }>`
      SELECT detail->>'reason' AS reason, detail->>'dropped' AS dropped, count(*)::int AS n
      FROM journey_events WHERE type = 'message_skipped' GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const unreasoned = skips.filter((s) => !s.reason).reduce((a, s) => a + s.n, 0);
  // Every delayed message, by the reason of its first delay, and what became of it.
  const delays = await rows(
    db,
    sql<{ reason: string; outcome: string; n: number }>`
      WITH d AS (SELECT DISTINCT ON (detail->>'messageKey') detail->>'messageKey' AS key, detail->>'reason' AS reason
                 FROM journey_events WHERE type = 'message_delayed' ORDER BY detail->>'messageKey', occurred_at)
      SELECT d.reason, coalesce(CASE f.type WHEN 'message_sent' THEN 'sent'
               WHEN 'message_skipped' THEN 'dropped: ' || (f.detail->>'reason') ELSE f.type END, 'no outcome') AS outcome,
             count(*)::int AS n
      FROM d LEFT JOIN journey_events f ON f.idempotency_key = d.key
      GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const delayedWithoutOutcome = delays
    .filter((d) => d.outcome === 'no outcome')
    .reduce((a, d) => a + d.n, 0);
  const [dupes] = await rows(
    db,
    sql<{ keys: number; steps: number }>`
      SELECT (SELECT count(*)::int FROM (SELECT idempotency_key FROM messages GROUP BY 1 HAVING count(*) > 1) k) AS keys,
             (SELECT count(*)::int FROM (SELECT workflow_id, template FROM messages GROUP BY 1, 2 HAVING count(*) > 1) s) AS steps`,
  );
  const [sentCount] = await rows(
    db,
    sql<{
      n: number;
      contacts: number;
    }>`SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS contacts FROM messages WHERE status = 'sent'`,
  );
  // No faults are injected, so each email the provider accepted is one sent message: more is a double send.
  const acceptedTwice = simulator.emails.length - sentCount!.n;
  const webhooks = {
    posted: simulator.stats.webhooksPosted,
    failed: simulator.stats.webhookFailures,
  };
  await simulator.close();

  const ok = {
    ended:
      !timedOut && journeyCounts!.ended === journeyCounts!.enrolled && journeyCounts!.failed === 0,
    cap: (overCap!.max ?? 0) <= 2,
    suppression: suppressed!.claimedAfter === 0,
    reasons: unreasoned === 0 && delayedWithoutOutcome === 0,
    duplicates: dupes!.keys === 0 && dupes!.steps === 0,
  };
  const skipText = skips.map((s) => `${s.reason}${s.dropped ? ` (${s.dropped})` : ''} ${s.n}`);
  const delayText = delays.map((d) => `${d.reason} → ${d.outcome} ${d.n}`);
  await report(
    'pressure',
    [
      {
        metric: 'journeys enrolled / ended / failed',
        value: `${journeyCounts!.enrolled} / ${journeyCounts!.ended} / ${journeyCounts!.failed}`,
        goal: 'all ended',
        ok: ok.ended,
      },
      { metric: 'wall time, launch to every journey ended (s)', value: seconds.toFixed(0) },
      { metric: 'journeys / s', value: (journeyCounts!.enrolled / seconds).toFixed(1) },
      {
        metric: 'emails sent / contacts reached',
        value: `${sentCount!.n} / ${sentCount!.contacts}`,
      },
      {
        metric: 'most messages to a contact in any 7-day window',
        value: String(overCap!.max ?? 0),
        goal: '≤ 2',
        ok: ok.cap,
      },
      {
        metric: 'webhooks posted / not answered 2xx',
        value: `${webhooks.posted} / ${webhooks.failed}`,
      },
      {
        metric: 'addresses suppressed (hard bounce / complaint)',
        value: `${suppressed!.addresses} (${suppressed!.bounces} / ${suppressed!.complaints})`,
      },
      {
        metric: 'messages claimed for an address after its suppression',
        value: String(suppressed!.claimedAfter),
        goal: '0',
        ok: ok.suppression,
      },
      {
        metric: '  claimed before it, accepted by the provider after it',
        value: String(suppressed!.acceptedAfter),
      },
      ...skipText.map((t) => ({
        metric: `skipped: ${t.replace(/ \d+$/, '')}`,
        value: t.replace(/^.* /, ''),
      })),
      ...delayText.map((t) => ({
        metric: `delayed: ${t.replace(/ \d+$/, '')}`,
        value: t.replace(/^.* /, ''),
      })),
      {
        metric: 'skips without a reason, delays without an outcome',
        value: `${unreasoned} / ${delayedWithoutOutcome}`,
        goal: '0 / 0',
        ok: ok.reasons,
      },
      {
        metric: 'duplicate messages (same key / same journey and template / accepted − sent)',
        value: `${dupes!.keys} / ${dupes!.steps} / ${acceptedTwice}`,
        goal: '0',
        ok: ok.duplicates && acceptedTwice === 0,
      },
    ],
    {
      journeys,
      contacts,
      zone,
      seconds,
      journeyCounts,
      overCap,
      suppressed,
      skips,
      delays,
      dupes,
      acceptedTwice,
      webhooks,
      sent: sentCount,
    },
  );
  if (!Object.values(ok).every(Boolean) || acceptedTwice !== 0) {
    console.error('\npressure: a check failed');
    process.exitCode = 1;
  }
} finally {
  server?.close();
  await env.teardown();
  await bench.close();
}
