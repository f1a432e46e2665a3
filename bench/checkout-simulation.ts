/**
 * The abandoned-checkout simulation shared by `npm run bench -- checkouts` and its seeded test
 * (test/e2e/checkout-simulation.test.ts): shoppers start checkouts over `POST /events`, the real
 * inbox processor and workers run examples/flows/abandoned-checkout.yaml (its waits scaled down),
 * a third of the checkouts are completed by an order at a random time — during each wait, or
 * after the last message — and SQL then says, checkout by checkout, whether what was sent is
 * exactly what the flow prescribes given when the contact's order came.
 *
 * The flow: wait 1 hour → not ordered? → email with the items → 23 hours → not ordered? → coupon
 * and email with it → 2 days → SMS to those with SMS consent. Any order by the contact ends the
 * journey at once, and a contact gets at most one journey per 7 days. So, for a journey whose
 * contact's first order came at E: each node is reached exactly when its wait ended before E, its
 * message sent (held out: withheld) once, a coupon assigned once with the coupon node, nothing
 * after E, the SMS only with consent.
 *
 * Each wait is checked against the moment the journey entered it (journey_events), so a journey
 * started late by a busy worker is judged on its own clock. An order closer than `tolerance` to the
 * end of a wait may go either way (counted apart); the simulation places orders `guard` away from
 * every such end.
 */
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { parse as parseYaml } from 'yaml';
import { createChannels } from '../src/channels/index.js';
import { startSending } from '../src/channels/sending.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { saveCampaign } from '../src/db/campaigns.js';
import { generateCoupons } from '../src/db/coupons.js';
import type { Db } from '../src/db/database.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { forEachLimited } from '../src/domain/concurrency.js';
import { msToNumber } from '../src/domain/duration.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startInboxProcessor } from '../src/inbox/processor.js';
import {
  createControlWorker,
  createMessagesWorker,
  createWorker,
  WORKFLOWS_PATH,
} from '../src/worker.js';

export const FLOW_FILE = path.join(PROJECT_ROOT, 'examples/flows/abandoned-checkout.yaml');
const API_KEY = 'checkout-simulation-key';

/** The flow's nodes the checks read: its waits in order, what each leads to, its sends. */
export const NODES = {
  waits: ['wait-1h', 'wait-23h', 'wait-2d'],
  /** The node entered once each wait ended without an order (stage 1, 2, 3). */
  afterWait: ['email-items', 'coupon', 'sms-consent'],
  firstEmail: 'email-items',
  coupon: 'coupon',
  couponEmail: 'email-coupon',
  sms: 'sms',
} as const;

export interface SimulationFlow {
  campaignId: string;
  couponSet: string;
  /** The three waits of the copy, in milliseconds. */
  waitsMs: [number, number, number];
  definition: Record<string, unknown>;
}

type FlowNode = Record<string, unknown> & { type: string };

/**
 * The example flow with its waits (and the look-back of its "ordered?" branches, which match
 * them) set to `waitsMs`; the re-entry rule (7 days) is kept. `holdoutPercent` gives it a control
 * group.
 */
export async function simulationFlow(
  waitsMs: [number, number, number],
  holdoutPercent: number,
): Promise<SimulationFlow> {
  const definition = parseYaml(await readFile(FLOW_FILE, 'utf8')) as Record<string, unknown> & {
    id: string;
    nodes: Record<string, FlowNode>;
  };
  const nodes = definition.nodes;
  for (const id of [...NODES.waits, ...NODES.afterWait, NODES.couponEmail, NODES.sms])
    if (!nodes[id]) throw new Error(`${FLOW_FILE} has no node "${id}": the checks need it`);
  const scaled = (ms: number) => `${Math.max(1, Math.round(ms))} ms`;
  // The "ordered?" branches look back over the wait before them: scaled as the first wait is.
  const ratio = waitsMs[0] / msToNumber(String(nodes[NODES.waits[0]]!.duration) as never);
  for (const node of Object.values(nodes)) {
    const condition = node.if as { purchased?: { within: string } } | undefined;
    if (node.type === 'branch' && condition?.purchased)
      condition.purchased = {
        ...condition.purchased,
        within: scaled(msToNumber(condition.purchased.within as never) * ratio),
      };
  }
  NODES.waits.forEach((id, i) => {
    nodes[id] = { ...nodes[id]!, duration: scaled(waitsMs[i]!) };
  });
  const coupon = nodes[NODES.coupon] as unknown as { couponSet: string };
  return {
    campaignId: definition.id,
    couponSet: coupon.couponSet,
    waitsMs,
    definition: { ...definition, holdoutPercent },
  };
}

// ---------------------------------------------------------------- the plan

export interface PlannedContact {
  email: string;
  subscribed: boolean;
  smsConsent: boolean;
}

export interface PlannedCheckout {
  id: string;
  /** Index into contacts; null: an anonymous checkout (no email). */
  contact: number | null;
  /** When to post it, in ms after the start. */
  postAtMs: number;
  total: number;
  /** Completed by an order: in which stretch of its contact's journey (0–2: during wait 1–3, 3: after the last message), where in it (0–1). */
  completion: { phase: 0 | 1 | 2 | 3; at: number } | null;
}

export interface Plan {
  contacts: PlannedContact[];
  checkouts: PlannedCheckout[];
}

/** A small seeded generator (mulberry32): the same plan for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `checkouts` checkouts of `contacts` contacts (each at least one, the rest at random), posted over
 * `spreadMs`, a contact's checkouts at least `gapMs` apart; a third completed, in a phase drawn
 * evenly. Every 10th contact has not consented to emails, every 2nd has SMS consent, and every
 * 50th checkout names nobody.
 */
export function planSimulation(opts: {
  checkouts: number;
  contacts: number;
  spreadMs: number;
  gapMs: number;
  seed: number;
}): Plan {
  const rand = random(opts.seed);
  const contacts = Array.from({ length: opts.contacts }, (_, i) => ({
    email: `shopper${i}@checkout.example`,
    subscribed: i % 10 !== 9,
    smsConsent: i % 2 === 0,
  }));
  const owners = Array.from({ length: opts.checkouts }, (_, i) =>
    i % 50 === 49 ? null : i < opts.contacts ? i : Math.floor(rand() * opts.contacts),
  );
  const lastPost = new Map<number, number>();
  const times = owners.map(() => rand() * opts.spreadMs).sort((a, b) => a - b);
  const checkouts = owners.map((contact, i): PlannedCheckout => {
    let postAtMs = times[i]!;
    if (contact !== null) {
      postAtMs = Math.max(postAtMs, (lastPost.get(contact) ?? -Infinity) + opts.gapMs);
      lastPost.set(contact, postAtMs);
    }
    const completed = rand() < 1 / 3;
    return {
      id: `sim-${i + 1}`,
      contact,
      postAtMs,
      total: Math.round((20 + rand() * 180) * 100) / 100,
      completion: completed ? { phase: Math.floor(rand() * 4) as 0 | 1 | 2 | 3, at: rand() } : null,
    };
  });
  return { contacts, checkouts: checkouts.sort((a, b) => a.postAtMs - b.postAtMs) };
}

/**
 * When to post an order completing a checkout: in its phase of the contact's journey started at
 * `start` (ms), `guard` away from each wait's end, and not before `notBefore`: then in the first
 * later stretch that allows it.
 */
export function orderTime(
  start: number,
  waitsMs: readonly number[],
  completion: { phase: number; at: number },
  guardMs: number,
  notBefore: number,
): number {
  const ends = [0, ...waitsMs.map((_, i) => waitsMs.slice(0, i + 1).reduce((a, b) => a + b, 0))];
  const tail = waitsMs[0]! * 4 + guardMs * 2;
  for (let phase = completion.phase; phase < 4; phase++) {
    const from = start + ends[phase]! + guardMs;
    const to = phase < 3 ? start + ends[phase + 1]! - guardMs : from + tail;
    const at = phase === completion.phase ? from + completion.at * (to - from) : from;
    if (at >= notBefore) return at;
    if (notBefore <= to) return notBefore;
  }
  return notBefore;
}

// ---------------------------------------------------------------- the stack

export interface SimulationStack {
  httpUrl: string;
  /** Shuts the workers, the sender, the processor and the HTTP server down. */
  stop(): Promise<void>;
}

/**
 * What `npm start` runs, in this process: the HTTP endpoint and the inbox processor, the journey,
 * control and message workers, the outbox as email and SMS provider, no quiet hours.
 */
export async function startSimulationStack(
  db: Db,
  env: TestWorkflowEnvironment,
  taskQueue: string,
): Promise<SimulationStack> {
  const config = loadConfig({
    TEMPORAL_TASK_QUEUE: taskQueue,
    BOOMERANG_API_KEY: API_KEY,
    BOOMERANG_SIGNING_SECRET: 'simulation',
    SMS_SEND_HOURS: 'any',
  });
  let kick = () => {};
  const server: http.Server = createHttpServer({
    db,
    temporal: env.client,
    config,
    onEventsAccepted: () => kick(),
  });
  const httpUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const processor = startInboxProcessor(
    {
      db,
      temporal: env.client,
      taskQueue,
      defaultCurrency: config.shop.currency,
      softBounces: config.providerFeedback.softBounces,
    },
    { log: { info: () => {}, warn: (line: string) => console.error(line) } },
  );
  kick = () => processor.kick();
  const channels = createChannels(config, db);
  const sending = startSending(config, db, channels);
  const deps = { db, config, temporal: env.client, channels, sending };
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const common = {
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    deps,
    workflowBundle: { code },
  };
  const workers: Worker[] = await Promise.all([
    createWorker(common),
    createControlWorker(common),
    createMessagesWorker(common),
  ]);
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    httpUrl,
    async stop() {
      for (const w of workers) w.shutdown();
      await running;
      await sending.stop();
      await processor.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The contacts, the campaign (the flow copy) and its coupons. */
export async function seedSimulation(db: Db, plan: Plan, flow: SimulationFlow): Promise<void> {
  await ensurePresetSegments(db);
  const ids = await db
    .insertInto('contacts')
    .values(
      plan.contacts.map((c, i) => ({
        email: c.email,
        first_name: 'Ada',
        newsletter_status: c.subscribed ? ('subscribed' as const) : ('unsubscribed' as const),
        sms_consent: c.smsConsent,
        phone: `+4930${String(1_000_000 + i)}`,
      })),
    )
    .returning('id')
    .execute();
  if (ids.length !== plan.contacts.length) throw new Error('contacts not all inserted');
  await generateCoupons(db, flow.couponSet, plan.checkouts.length + 100, { prefix: 'CART-' });
  await saveCampaign(db, flow.definition);
}

// ---------------------------------------------------------------- the run

async function post(httpUrl: string, events: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 200) {
    const res = await fetch(`${httpUrl}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: events.slice(i, i + 200) }),
    });
    if (res.status !== 202) throw new Error(`POST /events: ${res.status} ${await res.text()}`);
  }
}

function checkoutStarted(c: PlannedCheckout, plan: Plan, at: Date): Record<string, unknown> {
  const contact = c.contact === null ? undefined : plan.contacts[c.contact]!;
  return {
    type: 'checkout_started',
    event_id: `${c.id}:started`,
    ...(contact ? { contact: { email: contact.email } } : {}),
    checkout: {
      id: c.id,
      total: c.total,
      currency: 'EUR',
      line_items: [
        {
          product_id: `p-${c.id}`,
          title: 'Linen shirt',
          variant: 'M',
          quantity: 1,
          price: c.total,
          product_url: `https://shop.example/products/${c.id}`,
        },
      ],
      recovery_url: `https://shop.example/checkouts/${c.id}/recover`,
      started_at: at.toISOString(),
    },
  };
}

function order(c: PlannedCheckout, plan: Plan, at: Date): Record<string, unknown> {
  const contact = plan.contacts[c.contact!]!;
  return {
    type: 'purchase',
    event_id: `${c.id}:order`,
    contact: { email: contact.email },
    order: {
      id: `order-${c.id}`,
      total: c.total,
      currency: 'EUR',
      placed_at: at.toISOString(),
      checkout_id: c.id,
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When each contact's journey entered its first wait (its clock), for the contacts asked. */
async function journeyStarts(
  db: Db,
  campaignId: string,
  emails: string[],
): Promise<Map<string, number>> {
  if (emails.length === 0) return new Map();
  const rows = await sql<{ email: string; at: Date }>`
    SELECT c.email, min(e.occurred_at) AS at
    FROM journey_events e JOIN contacts c ON c.id = e.contact_id
    WHERE e.campaign_id = ${campaignId} AND e.type = 'step_entered' AND e.step = ${NODES.waits[0]}
      AND c.email = ANY(${emails}::text[])
    GROUP BY c.email`.execute(db);
  return new Map(rows.rows.map((r) => [r.email, r.at.getTime()]));
}

async function running(db: Db, campaignId: string): Promise<{ running: number; inbox: number }> {
  const [row] = (
    await sql<{ running: number; inbox: number }>`
      SELECT (SELECT count(*)::int FROM journeys WHERE campaign_id = ${campaignId} AND ended_at IS NULL) AS running,
             (SELECT count(*)::int FROM inbox_events WHERE processed_at IS NULL AND parked_at IS NULL) AS inbox`.execute(
      db,
    )
  ).rows;
  return row!;
}

export interface RunFigures {
  seconds: number;
  ordersPosted: number;
  /** Orders whose contact's journey never showed: placed relative to the checkout instead. */
  ordersWithoutJourneyClock: number;
  timedOut: boolean;
}

/**
 * Posts the checkouts at their times and each order at its time in its contact's journey (once
 * the journey entered its first wait; for a contact with no journey, from its checkout's post),
 * then waits until every journey ended and the inbox is empty, or `timeoutMs`.
 */
export async function runSimulation(
  db: Db,
  httpUrl: string,
  plan: Plan,
  flow: SimulationFlow,
  opts: { guardMs: number; timeoutMs: number; log?: (line: string) => void },
): Promise<RunFigures> {
  const started = Date.now();
  const postedAt = new Map<string, number>();
  const pendingOrders = plan.checkouts.filter((c) => c.completion && c.contact !== null);
  const orderAt = new Map<string, number>();
  const starts = new Map<string, number>();
  const expectsJourney = (c: PlannedCheckout) => plan.contacts[c.contact!]!.subscribed;
  let next = 0;
  let ordersPosted = 0;
  let withoutClock = 0;
  let lastLog = started;
  let timedOut = false;
  for (;;) {
    const now = Date.now();
    const due: PlannedCheckout[] = [];
    while (next < plan.checkouts.length && plan.checkouts[next]!.postAtMs <= now - started)
      due.push(plan.checkouts[next++]!);
    if (due.length) {
      await post(
        httpUrl,
        due.map((c) => checkoutStarted(c, plan, new Date(now))),
      );
      for (const c of due) postedAt.set(c.id, now);
    }
    // Schedule the orders of posted checkouts whose clock is known.
    const unscheduled = pendingOrders.filter((c) => postedAt.has(c.id) && !orderAt.has(c.id));
    const asking = [
      ...new Set(
        unscheduled
          .filter((c) => expectsJourney(c) && !starts.has(plan.contacts[c.contact!]!.email))
          .map((c) => plan.contacts[c.contact!]!.email),
      ),
    ];
    for (const [email, at] of await journeyStarts(db, flow.campaignId, asking))
      starts.set(email, at);
    for (const c of unscheduled) {
      const email = plan.contacts[c.contact!]!.email;
      const posted = postedAt.get(c.id)!;
      let clock = expectsJourney(c) ? starts.get(email) : posted;
      if (clock === undefined && now - posted > 60_000) {
        withoutClock++;
        clock = posted;
      }
      if (clock === undefined) continue;
      orderAt.set(c.id, orderTime(clock, flow.waitsMs, c.completion!, opts.guardMs, posted + 200));
    }
    const ordersDue = pendingOrders.filter(
      (c) => orderAt.has(c.id) && orderAt.get(c.id)! <= now && !postedAt.has(`${c.id}:order`),
    );
    if (ordersDue.length) {
      await post(
        httpUrl,
        ordersDue.map((c) => order(c, plan, new Date(now))),
      );
      for (const c of ordersDue) postedAt.set(`${c.id}:order`, now);
      ordersPosted += ordersDue.length;
    }
    const allPosted = next === plan.checkouts.length && ordersPosted === pendingOrders.length;
    if (allPosted) {
      const state = await running(db, flow.campaignId);
      if (state.running === 0 && state.inbox === 0) break;
    }
    if (now - started > opts.timeoutMs) {
      timedOut = true;
      break;
    }
    if (opts.log && now - lastLog >= 15_000) {
      lastLog = now;
      const state = await running(db, flow.campaignId);
      opts.log(
        `${Math.round((now - started) / 1000)} s: ${next}/${plan.checkouts.length} checkouts and ${ordersPosted}/${pendingOrders.length} orders posted, ${state.running} journeys running, ${state.inbox} events in the inbox`,
      );
    }
    await pause(100);
  }
  return {
    seconds: (Date.now() - started) / 1000,
    ordersPosted,
    ordersWithoutJourneyClock: withoutClock,
    timedOut,
  };
}

// ---------------------------------------------------------------- the checks

interface Facts {
  contacts: { id: number; email: string; subscribed: boolean; sms_consent: boolean }[];
  checkouts: { external_id: string; contact_id: number | null; started_at: Date; id: number }[];
  journeys: {
    workflow_id: string;
    contact_id: number;
    holdout: boolean;
    enrolled_at: Date;
    ended_at: Date | null;
    end_reason: string | null;
  }[];
  steps: { workflow_id: string; step: string; at: Date }[];
  messages: {
    workflow_id: string;
    step: string;
    channel: string;
    status: string;
    created_at: Date;
  }[];
  withheld: { workflow_id: string; step: string }[];
  coupons: { contact_id: number; assigned_at: Date }[];
  orders: { contact_id: number; created_at: Date }[];
}

async function loadFacts(db: Db, flow: SimulationFlow): Promise<Facts> {
  const c = flow.campaignId;
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(db)).rows;
  return {
    contacts: await rows(
      sql<
        Facts['contacts'][number]
      >`SELECT id::int AS id, email, newsletter_status = 'subscribed' AS subscribed, sms_consent FROM contacts`,
    ),
    checkouts: await rows(
      sql<
        Facts['checkouts'][number]
      >`SELECT id::int AS id, external_id, contact_id::int AS contact_id, started_at FROM checkouts`,
    ),
    journeys: await rows(
      sql<
        Facts['journeys'][number]
      >`SELECT workflow_id, contact_id::int AS contact_id, holdout, enrolled_at, ended_at, end_reason FROM journeys WHERE campaign_id = ${c}`,
    ),
    steps: await rows(
      sql<
        Facts['steps'][number]
      >`SELECT workflow_id, step, min(occurred_at) AS at FROM journey_events
        WHERE campaign_id = ${c} AND type = 'step_entered' GROUP BY 1, 2`,
    ),
    messages: await rows(
      sql<
        Facts['messages'][number]
      >`SELECT workflow_id, substr(idempotency_key, length(workflow_id) + 2) AS step, channel, status, created_at
        FROM messages WHERE campaign_id = ${c}`,
    ),
    withheld: await rows(
      sql<Facts['withheld'][number]>`SELECT workflow_id, step FROM journey_events
        WHERE campaign_id = ${c} AND type = 'message_skipped' AND detail->>'reason' = 'holdout'`,
    ),
    coupons: await rows(
      sql<Facts['coupons'][number]>`SELECT contact_id::int AS contact_id, assigned_at FROM coupons
        WHERE set_id = ${flow.couponSet} AND contact_id IS NOT NULL`,
    ),
    orders: await rows(
      sql<
        Facts['orders'][number]
      >`SELECT contact_id::int AS contact_id, created_at FROM orders WHERE status = 'paid'`,
    ),
  };
}

export interface SimulationChecks {
  checkouts: number;
  contacts: number;
  journeys: { total: number; treated: number; heldOut: number; failed: number; running: number };
  /** Checkouts without a journey, by why. */
  noJourney: Record<string, number>;
  /** Checkouts whose journey (or its absence) is not the one the rules give. */
  wrongJourney: number;
  /** Contacts with more than one journey. */
  contactsWithTwoJourneys: number;
  /** Journeys by how far they got before the contact's order (0: none sent … 3: past the last wait). */
  stages: number[];
  /** Journeys whose contact ordered, by the wait the order came in (3: after the last message). */
  orderedDuring: number[];
  sent: { firstEmail: number; couponEmail: number; sms: number; withheld: number };
  couponsAssigned: number;
  /** Journeys whose sends, withheld sends or coupons differ from the prescription. */
  wrongSends: number;
  /** Journeys whose node entries contradict when the order came. */
  wrongStage: number;
  /** Messages claimed, or coupons assigned, after the contact's order was stored. */
  afterOrder: number;
  smsWithoutConsent: number;
  /** Orders within the tolerance of a wait's end (either outcome accepted). */
  atAWaitsEnd: number;
  examples: string[];
  pass: boolean;
}

/**
 * When each journey was told of its contact's order: the first `purchase` or `flowEvent` signal in
 * its history (the simulation sends no checkout updates, so every such signal is the order's).
 * The inbox writes the order row and sends its signals in one transaction, so a journey may see
 * the order (a branch reading the orders) from the row's `created_at` and surely sees it at the
 * signal; with waits scaled to seconds, a wait may end in between and either outcome is right.
 */
async function toldOfOrderAt(client: Client, workflowIds: string[]): Promise<Map<string, number>> {
  const told = new Map<string, number>();
  await forEachLimited(workflowIds, 8, async (workflowId) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const signal = (history.events ?? []).find((e) => {
      const name = e.workflowExecutionSignaledEventAttributes?.signalName;
      return name === 'purchase' || name === 'flowEvent';
    });
    const seconds = signal?.eventTime?.seconds;
    if (seconds != null)
      told.set(
        workflowId,
        Number(seconds) * 1000 + Math.floor((signal!.eventTime!.nanos ?? 0) / 1e6),
      );
  });
  return told;
}

/**
 * Checks every checkout and journey of the run against the flow's prescription. A journey is
 * judged against its contact's order between the order row's `created_at` and the signal in its
 * history (a journey never told had ended): nothing may be entered after the signal, and a wait
 * that ended before the row was written must have led on.
 */
export async function checkSimulation(
  db: Db,
  client: Client,
  flow: SimulationFlow,
  toleranceMs: number,
): Promise<SimulationChecks> {
  const f = await loadFacts(db, flow);
  const contactById = new Map(f.contacts.map((c) => [c.id, c]));
  const group = <T, K>(list: T[], key: (t: T) => K) => {
    const map = new Map<K, T[]>();
    for (const t of list) {
      const l = map.get(key(t));
      if (l) l.push(t);
      else map.set(key(t), [t]);
    }
    return map;
  };
  const journeysOf = group(f.journeys, (j) => j.contact_id);
  const stepsOf = group(f.steps, (s) => s.workflow_id);
  const messagesOf = group(f.messages, (m) => m.workflow_id);
  const withheldOf = group(f.withheld, (w) => w.workflow_id);
  const couponsOf = group(f.coupons, (c) => c.contact_id);
  const ordersOf = group(f.orders, (o) => o.contact_id);
  /** When the first order of the journey's contact since its enrolment was stored. */
  const firstOrderStored = (j: Facts['journeys'][number]) =>
    (ordersOf.get(j.contact_id) ?? [])
      .map((o) => o.created_at.getTime())
      .filter((at) => at >= j.enrolled_at.getTime())
      .sort((a, b) => a - b)[0];
  const told = await toldOfOrderAt(
    client,
    f.journeys.filter((j) => firstOrderStored(j) !== undefined).map((j) => j.workflow_id),
  );
  const checkoutsOf = group(
    f.checkouts.filter((c) => c.contact_id !== null),
    (c) => c.contact_id!,
  );
  const examples: string[] = [];
  const note = (line: string) => {
    if (examples.length < 10) examples.push(line);
  };

  // Which journey each checkout should have: the first checkout of a consenting contact.
  const noJourney: Record<string, number> = {};
  let wrongJourney = 0;
  for (const c of f.checkouts) {
    const contact = c.contact_id === null ? undefined : contactById.get(c.contact_id);
    const first = contact
      ? [...(checkoutsOf.get(contact.id) ?? [])].sort(
          (a, b) => a.started_at.getTime() - b.started_at.getTime() || a.id - b.id,
        )[0]
      : undefined;
    const why = !contact
      ? 'no contact'
      : !contact.subscribed
        ? 'no email consent'
        : first!.id !== c.id
          ? 'one journey per contact per 7 days'
          : undefined;
    const workflowId = contact
      ? `${flow.campaignId}/${contact.id}/key/${c.external_id}`
      : undefined;
    const has = contact
      ? (journeysOf.get(contact.id) ?? []).some((j) => j.workflow_id === workflowId)
      : false;
    if (why) noJourney[why] = (noJourney[why] ?? 0) + 1;
    if (has !== (why === undefined)) {
      wrongJourney++;
      note(
        `checkout ${c.external_id}: ${has ? 'a journey' : 'no journey'}, expected ${why ?? 'one'}`,
      );
    }
  }
  const contactsWithTwoJourneys = [...journeysOf.values()].filter((js) => js.length > 1).length;

  const stages = [0, 0, 0, 0];
  const orderedDuring = [0, 0, 0, 0];
  const sent = { firstEmail: 0, couponEmail: 0, sms: 0, withheld: 0 };
  let wrongSends = 0;
  let wrongStage = 0;
  let afterOrder = 0;
  let smsWithoutConsent = 0;
  let atAWaitsEnd = 0;
  for (const j of f.journeys) {
    const contact = contactById.get(j.contact_id)!;
    const entered = new Map(
      (stepsOf.get(j.workflow_id) ?? []).map((s) => [s.step, s.at.getTime()]),
    );
    const stored = firstOrderStored(j);
    // The journey may see the order from when its row is written (a branch reads the orders) and
    // surely sees it once signalled: between the two, either outcome of a wait is right.
    const order = stored ?? told.get(j.workflow_id);
    const E = order ?? Infinity;
    const toldAt = Math.max(E, told.get(j.workflow_id) ?? E);
    // How far the journey got: the node after each wait entered.
    const stage = NODES.afterWait.filter((id) => entered.has(id)).length;
    stages[stage]!++;
    // What the order's time prescribes, wait by wait, on the journey's own clock.
    let ok = true;
    NODES.waits.forEach((wait, k) => {
      const began = entered.get(wait);
      if (began === undefined) {
        if (stage > k) ok = false; // reached a later node without this wait
        return;
      }
      const end = began + flow.waitsMs[k]!;
      if (end >= E - toleranceMs && end <= toldAt + toleranceMs) atAWaitsEnd++;
      else if (end < E && stage <= k)
        ok = false; // the wait ended before the order: the next node is due
      else if (end > toldAt && stage > k) ok = false; // told of the order first: nothing after it
    });
    // Without an order, every journey runs to its end.
    if (order === undefined && stage < 3) ok = false;
    if (order !== undefined) {
      const ends = NODES.waits.map((w, k) =>
        entered.has(w) ? entered.get(w)! + flow.waitsMs[k]! : Infinity,
      );
      orderedDuring[ends.filter((end) => end < E).length]!++;
    }
    if (!ok) {
      wrongStage++;
      note(
        `${j.workflow_id}: reached stage ${stage}, order at ${order ? new Date(order).toISOString() : 'none'}`,
      );
    }

    const msgs = (messagesOf.get(j.workflow_id) ?? []).filter((m) => m.status === 'sent');
    const count = (step: string) => msgs.filter((m) => m.step === step).length;
    const withheld = (step: string) =>
      (withheldOf.get(j.workflow_id) ?? []).filter((w) => w.step === step).length;
    const coupons = couponsOf.get(j.contact_id) ?? [];
    const smsDue = stage >= 3 && contact.sms_consent ? 1 : 0;
    const expected = {
      [NODES.firstEmail]: stage >= 1 ? 1 : 0,
      [NODES.couponEmail]: stage >= 2 ? 1 : 0,
      [NODES.sms]: smsDue,
    };
    const sends = Object.entries(expected).every(([step, n]) =>
      j.holdout
        ? count(step) === 0 && withheld(step) === n
        : count(step) === n && withheld(step) === 0,
    );
    const couponsRight = coupons.length === (stage >= 2 && !j.holdout ? 1 : 0);
    if (
      !sends ||
      !couponsRight ||
      msgs.length !== (j.holdout ? 0 : Object.values(expected).reduce((a, b) => a + b, 0))
    ) {
      wrongSends++;
      note(
        `${j.workflow_id}${j.holdout ? ' (held out)' : ''}: stage ${stage}, sent ${msgs.map((m) => m.step).join(',') || 'nothing'}, ${coupons.length} coupon(s)`,
      );
    }
    sent.firstEmail += count(NODES.firstEmail);
    sent.couponEmail += count(NODES.couponEmail);
    sent.sms += count(NODES.sms);
    sent.withheld += (withheldOf.get(j.workflow_id) ?? []).length;
    // A send or coupon already under way when the journey was told finishes: what counts is a
    // node entered after it (or a message no node of the journey accounts for).
    const enteredAfter = (step: string) => {
      const at = entered.get(step);
      return at === undefined || at > toldAt;
    };
    afterOrder +=
      msgs.filter((m) => m.created_at.getTime() > toldAt && enteredAfter(m.step)).length +
      coupons.filter((c) => c.assigned_at.getTime() > toldAt && enteredAfter(NODES.coupon)).length;
    if (!contact.sms_consent) smsWithoutConsent += msgs.filter((m) => m.channel === 'sms').length;
  }

  const result = {
    checkouts: f.checkouts.length,
    contacts: new Set(f.checkouts.map((c) => c.contact_id).filter((id) => id !== null)).size,
    journeys: {
      total: f.journeys.length,
      treated: f.journeys.filter((j) => !j.holdout).length,
      heldOut: f.journeys.filter((j) => j.holdout).length,
      failed: f.journeys.filter((j) => j.end_reason === 'failed').length,
      running: f.journeys.filter((j) => j.ended_at === null).length,
    },
    noJourney,
    wrongJourney,
    contactsWithTwoJourneys,
    stages,
    orderedDuring,
    sent,
    couponsAssigned: f.coupons.length,
    wrongSends,
    wrongStage,
    afterOrder,
    smsWithoutConsent,
    atAWaitsEnd,
    examples,
  };
  return {
    ...result,
    pass:
      wrongJourney === 0 &&
      contactsWithTwoJourneys === 0 &&
      wrongSends === 0 &&
      wrongStage === 0 &&
      afterOrder === 0 &&
      smsWithoutConsent === 0 &&
      result.journeys.failed === 0 &&
      result.journeys.running === 0,
  };
}
