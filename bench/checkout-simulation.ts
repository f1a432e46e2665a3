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
 * A journey whose contact ordered is judged from its own Temporal history, by the order of its
 * events (readJourneyHistory): the rows' times are those of whichever activity wrote them, late
 * under load, whereas a command's place in the history says what the journey knew when it decided
 * it. A wait that ends between the order's row (which a branch reads) and the signal may go either
 * way (counted apart); the simulation places orders `guard` away from every wait's end.
 */
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type proto from '@temporalio/proto';
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
import type { JourneyRow } from '../src/db/reports.js';
import { ensurePresetSegments } from '../src/db/segments.js';
import { forEachLimited } from '../src/domain/concurrency.js';
import { msToNumber } from '../src/domain/duration.js';
import { createHttpServer, listen } from '../src/http/server.js';
import { startInboxProcessor } from '../src/inbox/processor.js';
import { createWorkers, WORKFLOWS_PATH } from '../src/worker.js';

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

/** The activities a send node schedules (src/workflows/journey.ts), withheld sends included. */
const SEND_ACTIVITIES = ['sendEmail', 'sendSms'];

export interface SimulationFlow {
  campaignId: string;
  couponSet: string;
  /** The three waits of the copy, in milliseconds. */
  waitsMs: [number, number, number];
  /** The events that end a journey when they carry its checkout (`exitWhen.events`). */
  exitEvents: string[];
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
    exitEvents: (definition.exitWhen as { events?: string[] } | undefined)?.events ?? [],
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
  const workers: Worker[] = await createWorkers(common);
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
  journeys: Pick<
    JourneyRow,
    'workflow_id' | 'contact_id' | 'holdout' | 'enrolled_at' | 'ended_at' | 'end_reason'
  >[];
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
  orders: { contact_id: number; placed_at: Date; created_at: Date; checkout_id: string | null }[];
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
      >`SELECT contact_id::int AS contact_id, placed_at, created_at, checkout_id FROM orders WHERE status = 'paid'`,
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
  /** Journeys by how far they got (0: no node after a wait … 3: past the last wait). */
  stages: number[];
  /**
   * Journeys whose contact ordered, by the wait the order came in (3: after the last message): the
   * waits whose firing the journey acted on before it was told (not told: before the order row).
   */
  orderedDuring: number[];
  sent: { firstEmail: number; couponEmail: number; sms: number; withheld: number };
  couponsAssigned: number;
  /** Journeys whose sends, withheld sends or coupons differ from the prescription or their history. */
  wrongSends: number;
  /**
   * Journeys whose waits' outcomes contradict their history: led on from a wait once told of the
   * order, or stopped at one that ended before any order was stored.
   */
  wrongStage: number;
  /** Sends and coupon claims a journey decided once told of its order (or that no decision in its history explains, stored after the order). */
  afterOrder: number;
  /** Sends and coupon claims decided before the journey was told, stored after the order row: the race any store has. */
  inFlightAtOrder: number;
  /** Purchase signals of orders placed before their journey started (by the rules, no exit). */
  ordersBeforeJourney: number;
  smsWithoutConsent: number;
  /** Waits that ended after the order row was written but before the journey was told (either outcome accepted). */
  atAWaitsEnd: number;
  examples: string[];
  pass: boolean;
}

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** What one journey's Temporal history says about its order, its waits and what it decided. */
export interface JourneyHistory {
  /** Workflow time of its first task: a purchase placed before it does not end the journey. */
  startedAt: number;
  /**
   * The first signal that ends the journey by the flow's rules: a purchase placed since it
   * started, or its own checkout completed or deleted.
   */
  told?: { eventId: number; at: number; what: string };
  /** Purchase signals of orders placed before the journey started: no exit, by the rules. */
  earlierOrders: number;
  /**
   * Its timers in the order started (the flow's waits, nothing else here sleeps), each with the
   * first event of the task that acted on its firing.
   */
  timers: { durationMs: number; startedAt: number; firedAt?: number; actedFrom?: number }[];
  /**
   * Its sends (scheduled activities, control group's withheld ones included) and coupon claims
   * (local activity markers), each with the first event of the task that decided it.
   */
  decisions: { node: string; decidedFrom: number }[];
}

const eventNumber = (id: unknown) => Number(id ?? NaN);
const eventMs = (e: HistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
const payloadJson = (payload: { data?: Uint8Array | null } | undefined): unknown =>
  payload?.data?.length ? JSON.parse(new TextDecoder().decode(payload.data)) : undefined;

/**
 * Reads a journey's history. The order of events is what the journey knew: a signal that comes
 * while a workflow task runs is written after that task's commands, so a command was decided
 * knowing of the signal exactly when its task started after the signal. A local activity that
 * outlasts its task is kept alive by tasks that complete without commands (heartbeats); its
 * marker is written by the last of them, so it counts from the first.
 */
export function readJourneyHistory(
  events: readonly HistoryEvent[],
  flow: { journeyKey: string; exitEvents: readonly string[]; sendActivities: readonly string[] },
): JourneyHistory {
  const byId = new Map(events.map((e) => [eventNumber(e.eventId), e]));
  /** The task that completed at `completedId`, from its first event (its start). */
  const taskStart = (completedId: number, heartbeats: boolean): number => {
    let started = eventNumber(
      byId.get(completedId)?.workflowTaskCompletedEventAttributes?.startedEventId,
    );
    while (heartbeats) {
      // The task before it, if it completed with no command and only signals came before this one.
      let i = started - 1;
      while (
        byId.get(i)?.workflowExecutionSignaledEventAttributes ||
        byId.get(i)?.workflowTaskScheduledEventAttributes
      )
        i--;
      const previous = byId.get(i)?.workflowTaskCompletedEventAttributes;
      if (!previous) break;
      started = eventNumber(previous.startedEventId);
    }
    return started;
  };
  // The workflow's clock in its first task that completed (a failed attempt's start does not count).
  const firstTask = events.find((e) => e.workflowTaskCompletedEventAttributes);
  const first = firstTask && byId.get(taskStart(eventNumber(firstTask.eventId), false));
  const startedAt = first ? eventMs(first) : 0;
  const history: JourneyHistory = { startedAt, earlierOrders: 0, timers: [], decisions: [] };
  const timerOf = new Map<number, JourneyHistory['timers'][number]>();
  let fired: JourneyHistory['timers'][number][] = [];
  for (const e of events) {
    const id = eventNumber(e.eventId);
    const signal = e.workflowExecutionSignaledEventAttributes;
    if (signal && !history.told) {
      const input = payloadJson(signal.input?.payloads?.[0]) as
        | {
            placedAt?: string;
            orderId?: string;
            name?: string;
            properties?: Record<string, unknown>;
          }
        | undefined;
      if (signal.signalName === 'purchase') {
        const placed = Date.parse(input?.placedAt ?? '');
        if (placed >= startedAt || Number.isNaN(placed))
          history.told = { eventId: id, at: eventMs(e), what: `purchase ${input?.orderId ?? ''}` };
        else history.earlierOrders++;
      } else if (
        signal.signalName === 'flowEvent' &&
        flow.exitEvents.includes(input?.name ?? '') &&
        String(input?.properties?.checkout_id) === flow.journeyKey
      )
        history.told = { eventId: id, at: eventMs(e), what: input!.name! };
    }
    const started = e.timerStartedEventAttributes;
    if (started) {
      const timeout = started.startToFireTimeout;
      const timer = {
        durationMs: Number(timeout?.seconds ?? 0) * 1000 + Math.round((timeout?.nanos ?? 0) / 1e6),
        startedAt: eventMs(e),
      };
      history.timers.push(timer);
      timerOf.set(id, timer);
    }
    const firing = e.timerFiredEventAttributes;
    if (firing) {
      const timer = timerOf.get(eventNumber(firing.startedEventId));
      if (timer) {
        timer.firedAt = eventMs(e);
        fired.push(timer);
      }
    }
    // A task that failed (a signal came as it completed) decided nothing: its retry acts instead.
    if (e.workflowTaskCompletedEventAttributes) {
      for (const timer of fired) timer.actedFrom = taskStart(id, false);
      fired = [];
    }
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled && flow.sendActivities.includes(scheduled.activityType?.name ?? '')) {
      const input = payloadJson(scheduled.input?.payloads?.[0]) as { step?: string } | undefined;
      history.decisions.push({
        node: input?.step ?? '?',
        decidedFrom: taskStart(eventNumber(scheduled.workflowTaskCompletedEventId), false),
      });
    }
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = payloadJson(marker.details?.data?.payloads?.[0]) as
        { activity_type?: string } | undefined;
      if (data?.activity_type === 'assignCoupon')
        history.decisions.push({
          node: NODES.coupon,
          decidedFrom: taskStart(eventNumber(marker.workflowTaskCompletedEventId), true),
        });
    }
  }
  return history;
}

/** The journey's sends and coupon claims decided once it had been told of the order. */
export function decidedAfterTold(history: JourneyHistory): JourneyHistory['decisions'] {
  const told = history.told?.eventId;
  return told === undefined ? [] : history.decisions.filter((d) => d.decidedFrom > told);
}

/** The histories of `workflowIds`, read as they are fetched: only the summaries are kept. */
async function readHistories(
  client: Client,
  workflowIds: string[],
  flow: SimulationFlow,
): Promise<Map<string, JourneyHistory>> {
  const read = new Map<string, JourneyHistory>();
  await forEachLimited(workflowIds, 8, async (workflowId) => {
    const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
    read.set(
      workflowId,
      readJourneyHistory(events ?? [], {
        journeyKey: workflowId.slice(workflowId.indexOf('/key/') + '/key/'.length),
        exitEvents: flow.exitEvents,
        sendActivities: SEND_ACTIVITIES,
      }),
    );
  });
  return read;
}

/**
 * Checks every checkout and journey of the run against the flow's prescription. A journey whose
 * contact ordered is judged from its own history, by the order of its events: what it decided
 * once told of the order (the signal that ends it), and where each wait's firing stood against
 * that signal. Between the order row being written (a branch reads the orders) and the signal, a
 * wait that ends may go either way; a wait that ended before the row must have led on.
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
  // Only the journeys whose contact ordered at all have a history worth reading.
  const histories = await readHistories(
    client,
    f.journeys.filter((j) => ordersOf.has(j.contact_id)).map((j) => j.workflow_id),
    flow,
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
  let inFlightAtOrder = 0;
  let ordersBeforeJourney = 0;
  let smsWithoutConsent = 0;
  let atAWaitsEnd = 0;
  for (const j of f.journeys) {
    const contact = contactById.get(j.contact_id)!;
    const entered = new Set((stepsOf.get(j.workflow_id) ?? []).map((s) => s.step));
    const history = histories.get(j.workflow_id);
    const told = history?.told;
    ordersBeforeJourney += history?.earlierOrders ?? 0;
    // The orders that end the journey by the rules: placed since it started, or its own checkout's.
    const key = j.workflow_id.slice(j.workflow_id.indexOf('/key/') + '/key/'.length);
    const start = history?.startedAt ?? j.enrolled_at.getTime();
    const stored = (ordersOf.get(j.contact_id) ?? [])
      .filter((o) => o.placed_at.getTime() >= start || o.checkout_id === key)
      .map((o) => o.created_at.getTime())
      .sort((a, b) => a - b)[0];
    const ordered = stored !== undefined || told !== undefined;
    /** When the order could first be seen: its row, else (a row before the journey's start) the signal. */
    const E = stored ?? told?.at ?? Infinity;
    // How far the journey got: the node after each wait entered.
    const stage = NODES.afterWait.filter((id) => entered.has(id)).length;
    stages[stage]!++;
    const problems: string[] = [];
    NODES.waits.forEach((wait, k) => {
      const timer = history?.timers[k];
      if (history && timer && timer.durationMs !== flow.waitsMs[k])
        problems.push(`timer ${k + 1} lasts ${timer.durationMs} ms, not ${flow.waitsMs[k]}`);
      if (stage < k) return;
      if (!history) {
        if (stage > k && !entered.has(wait)) problems.push(`past ${wait} without entering it`);
        return;
      }
      const acted = timer?.actedFrom;
      /** The wait ended and the journey acted on it before it was told of the order. */
      const endedFirst =
        acted !== undefined && (told ? acted < told.eventId : timer!.firedAt! <= E + toleranceMs);
      if (stage > k) {
        if (acted === undefined) problems.push(`past ${wait} whose timer never fired`);
        else if (!endedFirst)
          problems.push(`led on from ${wait} after being told (${told?.what ?? 'order row'})`);
      } else if (endedFirst && ordered) {
        if (timer!.firedAt! >= E - toleranceMs) atAWaitsEnd++;
        else
          problems.push(
            `stopped after ${wait}, which fired at ${new Date(timer!.firedAt!).toISOString()}, before the order row (${new Date(E).toISOString()})`,
          );
      }
    });
    // Without an order, every journey runs to its end.
    if (!ordered && stage < 3) problems.push('no order, yet it stopped');
    if (ordered && history)
      orderedDuring[
        history.timers.filter(
          (t) => t.actedFrom !== undefined && (told ? t.actedFrom < told.eventId : t.firedAt! < E),
        ).length
      ]!++;
    if (problems.length) {
      wrongStage++;
      note(`${j.workflow_id}: reached stage ${stage}: ${problems.join('; ')}`);
    }

    const rows = messagesOf.get(j.workflow_id) ?? [];
    const msgs = rows.filter((m) => m.status === 'sent');
    const count = (step: string) => msgs.filter((m) => m.step === step).length;
    const withheldRows = withheldOf.get(j.workflow_id) ?? [];
    const withheld = (step: string) => withheldRows.filter((w) => w.step === step).length;
    const coupons = couponsOf.get(j.contact_id) ?? [];
    // The SMS node comes after the consent branch: an order the journey is told of in between (the
    // branch reads the contact) ends the journey there, rightly without its SMS.
    const endedBeforeSms = told !== undefined && !entered.has(NODES.sms);
    const smsDue = stage >= 3 && contact.sms_consent && !endedBeforeSms ? 1 : 0;
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
    // Each send and claim in the history left its row: a message (or withheld send), a coupon.
    const decided = (node: string) => history?.decisions.filter((d) => d.node === node).length;
    const historyAgrees =
      !history ||
      ([NODES.firstEmail, NODES.couponEmail, NODES.sms].every(
        (step) => decided(step) === rows.filter((m) => m.step === step).length + withheld(step),
      ) &&
        decided(NODES.coupon) === coupons.length);
    if (
      !sends ||
      !couponsRight ||
      !historyAgrees ||
      msgs.length !== (j.holdout ? 0 : Object.values(expected).reduce((a, b) => a + b, 0))
    ) {
      wrongSends++;
      note(
        `${j.workflow_id}${j.holdout ? ' (held out)' : ''}: stage ${stage}, ended ${j.end_reason ?? 'not'}${told ? ` (told at event ${told.eventId})` : ''}, sent ${msgs.map((m) => m.step).join(',') || 'nothing'}, ${coupons.length} coupon(s)${historyAgrees ? '' : `, history decided ${history!.decisions.map((d) => d.node).join(',') || 'nothing'}`}`,
      );
    }
    sent.firstEmail += count(NODES.firstEmail);
    sent.couponEmail += count(NODES.couponEmail);
    sent.sms += count(NODES.sms);
    sent.withheld += withheldRows.length;
    if (history && ordered) {
      const late = decidedAfterTold(history);
      for (const d of late)
        note(
          `${j.workflow_id}: ${d.node} decided in the task from event ${d.decidedFrom}, told at event ${told!.eventId} (${told!.what})`,
        );
      // A message or coupon no decision of the history accounts for counts if stored after the order.
      const extraCoupons = [...coupons]
        .sort((x, y) => y.assigned_at.getTime() - x.assigned_at.getTime())
        .slice(0, Math.max(0, coupons.length - decided(NODES.coupon)!));
      const unexplained =
        rows.filter((m) => decided(m.step) === 0 && m.created_at.getTime() > E).length +
        extraCoupons.filter((c) => c.assigned_at.getTime() > E).length;
      afterOrder += late.length + unexplained;
      const early = history.decisions.filter((d) => !late.includes(d));
      inFlightAtOrder +=
        rows.filter((m) => m.created_at.getTime() > E && early.some((d) => d.node === m.step))
          .length +
        Math.min(
          coupons.filter((c) => c.assigned_at.getTime() > E).length,
          early.filter((d) => d.node === NODES.coupon).length,
        );
    }
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
    inFlightAtOrder,
    ordersBeforeJourney,
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
