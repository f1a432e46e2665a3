/**
 * The inbox processor: applies stored events, oldest first, and keeps those it could not apply
 * for a later attempt. Nothing is lost while Temporal (or Postgres) is down: the event stays
 * pending with its error and is retried with backoff until it is applied.
 *
 * Events are claimed in batches (`FOR UPDATE SKIP LOCKED`, so several processors never apply the
 * same event at once), applied — a contact's events in the order received, different contacts'
 * concurrently — and marked in the claiming transaction:
 *   applied   processed_at set, last_error cleared;
 *   rejected  it can never be applied as it stands (bad data, a conflict, or deferred too long):
 *             processed_at set and last_error says "rejected: …" — kept for inspection, not retried;
 *   failed    attempts + 1 and last_error; tried again once its backoff has passed.
 *   parked    it failed PARK_AFTER_ATTEMPTS times for a reason that is not an outage (a bug, data
 *             no retry fixes, a purchase whose buyer never registers): parked_at set, last_error
 *             kept, no longer retried until `boomerang inbox retry` (or `discard`).
 * The backoff is derived from the attempts and the time received: after n failed attempts the
 * event is due at received_at + C(n), C(n) = the sum of delays 2 s, 4 s, 8 s, … capped at 15 min.
 * Failures because Postgres or Temporal is unreachable never park an event: they say nothing
 * about the event, and it is applied once they are back. While such an outage holds events up,
 * the oldest is tried every poll whatever its backoff; once one applies, the others are applied at
 * once, oldest first, not at their next due retry.
 * The journeys an event enters are queued as it is applied (src/inbox/start-queue.ts); the
 * processor's loop leaves them to the start queue's starter, a direct call starts them at once.
 */
import { forEachLimited } from '../domain/concurrency.js';
import { counted } from '../domain/counted.js';
import { messageWithCauses } from '../domain/errors.js';
import {
  claimDueInboxEvents,
  claimPendingInboxEvent,
  type InboxRetrySchedule,
  recordInboxAttempts,
} from '../db/inbox.js';
import type { InboxEventRow } from '../db/schema.js';
import type { CampaignForStart } from '../campaigns/enrolment.js';
import { registrationEntryEvent } from '../campaigns/flow-events.js';
import {
  type ApplyResult,
  applyEvent,
  describeResult,
  type RegisteredContact,
  startWelcomeJourneys,
  upsertRegisteredContacts,
  welcomeCampaigns,
} from './apply.js';
import {
  type ApplyDeps,
  DeferredEventError,
  RejectedEventError,
  starter,
} from './journey-entry.js';
import { applyFeedback, isFeedbackSource } from './provider-feedback.js';
import { outageInWords } from './outage.js';
import { HELD_EVENTS, OutageFailures } from './outage-log.js';
import { FailingRounds, poll, type Poller } from './poller.js';
import { START_CONCURRENCY, startStartQueue } from './start-queue.js';
import {
  type InboxEvent,
  InvalidEventError,
  parseStoredEvent,
  type RegistrationEvent,
} from './events.js';

export type InboxDeps = ApplyDeps;

/** Retry schedule: the first retry 2 s after the failure, doubling, at most 15 minutes apart. */
export const RETRY_BASE_SECONDS = 2;
export const RETRY_MAX_DELAY_SECONDS = 900;
/** A deferred event (e.g. the refund of an order never received) is rejected when this old. */
export const DEFER_LIMIT_MS = 7 * 86_400_000;

/**
 * Failed attempts (outages aside) before an event is parked: the 12th comes 47 minutes after the
 * event arrived (retryOffsetSeconds(11)).
 */
export const PARK_AFTER_ATTEMPTS = 12;

/** Doublings before the delay reaches its cap. */
const UNCAPPED_STEPS = Math.ceil(Math.log2(RETRY_MAX_DELAY_SECONDS / RETRY_BASE_SECONDS));

/** Seconds after received_at when an event that failed `attempts` times is due again. */
export function retryOffsetSeconds(attempts: number): number {
  if (attempts <= UNCAPPED_STEPS) return RETRY_BASE_SECONDS * (2 ** attempts - 1);
  return (
    RETRY_BASE_SECONDS * (2 ** UNCAPPED_STEPS - 1) +
    RETRY_MAX_DELAY_SECONDS * (attempts - UNCAPPED_STEPS)
  );
}

/** The same schedule, for claiming the events that are due (src/db/inbox.ts computes it in SQL). */
const RETRY_SCHEDULE: InboxRetrySchedule = {
  baseSeconds: RETRY_BASE_SECONDS,
  maxDelaySeconds: RETRY_MAX_DELAY_SECONDS,
  uncappedSteps: UNCAPPED_STEPS,
};

export interface EventOutcome {
  /** inbox_events.id */
  id: number;
  source: string;
  type: string;
  status: 'applied' | 'rejected' | 'failed' | 'parked';
  /** Attempts so far, this one included. */
  attempts: number;
  result?: ApplyResult;
  error?: string;
  /** A failed event: when it is due again. */
  retryAt?: Date;
  /** A failed event: the outage it failed for, in words (outageInWords); absent for its own faults. */
  outage?: string;
}

export interface BatchSummary {
  applied: number;
  rejected: number;
  failed: number;
  parked: number;
  outcomes: EventOutcome[];
}

const MAX_ERROR_LENGTH = 2000;

/** The message with its causes ("Failed to start Workflow: 14 UNAVAILABLE: …"), bounded. */
function errorText(err: unknown): string {
  const text = messageWithCauses(err, 5);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/** The outcome of applying a claimed row with `apply`; never throws. */
async function settle(
  row: InboxEventRow,
  now: Date,
  parkAfter: number,
  apply: () => Promise<ApplyResult>,
): Promise<EventOutcome> {
  const base = { id: row.id, source: row.source, type: row.type, attempts: row.attempts + 1 };
  try {
    return { ...base, status: 'applied', result: await apply() };
  } catch (err) {
    if (err instanceof InvalidEventError || err instanceof RejectedEventError)
      return { ...base, status: 'rejected', error: errorText(err) };
    if (
      err instanceof DeferredEventError &&
      now.getTime() - row.received_at.getTime() > DEFER_LIMIT_MS
    ) {
      return {
        ...base,
        status: 'rejected',
        error: `gave up after ${Math.round(DEFER_LIMIT_MS / 86_400_000)} days: ${errorText(err)}`,
      };
    }
    const outage = outageInWords(err);
    if (base.attempts >= parkAfter && outage === undefined)
      return {
        ...base,
        status: 'parked',
        error: `parked after ${base.attempts} attempts: ${errorText(err)}`,
      };
    return {
      ...base,
      status: 'failed',
      error: errorText(err),
      retryAt: new Date(row.received_at.getTime() + retryOffsetSeconds(base.attempts) * 1000),
      outage,
    };
  }
}

/** Applies a claimed row on its own; never throws. */
function attempt(
  deps: InboxDeps,
  row: InboxEventRow,
  now: Date,
  parkAfter: number,
): Promise<EventOutcome> {
  return settle(row, now, parkAfter, () =>
    isFeedbackSource(row.source)
      ? applyFeedback(deps, row.payload)
      : applyEvent(deps, parseStoredEvent(row.payload), row.received_at),
  );
}

/**
 * Claims one given pending event whatever its backoff, applies it and records the outcome, in one
 * transaction. Undefined: not pending, or being applied elsewhere.
 */
async function claimOneAndApply(
  deps: InboxDeps,
  id: number,
  parkAfter = PARK_AFTER_ATTEMPTS,
): Promise<EventOutcome | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await claimPendingInboxEvent(trx, id);
    if (!row) return undefined;
    const outcome = await attempt(deps, row, new Date(), parkAfter);
    await recordInboxAttempts(trx, [outcome]);
    return outcome;
  });
}

/**
 * What an event is about: its contact's email and external id, its order, and its checkout (an
 * order's too, so the order completing a checkout comes after the checkout's earlier events).
 * Events that share any of these are applied in the order received; the others are independent.
 */
export function orderingKeys(payload: unknown): string[] {
  const p = (payload ?? {}) as {
    contact?: { email?: unknown; external_id?: unknown };
    order?: { id?: unknown; source?: unknown; checkout_id?: unknown };
    checkout?: { id?: unknown; source?: unknown };
  };
  const keys: string[] = [];
  const email = p.contact?.email;
  if (typeof email === 'string' && email.trim()) keys.push(`email:${email.trim().toLowerCase()}`);
  const externalId = p.contact?.external_id;
  if (typeof externalId === 'string' || typeof externalId === 'number')
    keys.push(`external:${String(externalId).trim()}`);
  if (p.order?.id !== undefined)
    keys.push(`order:${String(p.order.source ?? 'api')}:${String(p.order.id).trim()}`);
  const checkout = p.checkout?.id ?? p.order?.checkout_id;
  if (checkout !== undefined)
    keys.push(
      `checkout:${String(p.checkout?.source ?? p.order?.source ?? 'api')}:${String(checkout).trim()}`,
    );
  return keys;
}

/** Rows in lanes: rows sharing an ordering key share a lane, in id order (union-find over keys). */
export function lanesOf<R extends { id: number; payload: unknown }>(rows: R[]): R[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(k, root);
    return root;
  };
  const keysOf = rows.map((row) => {
    const keys = orderingKeys(row.payload);
    return keys.length ? keys : [`row:${row.id}`];
  });
  for (const keys of keysOf) {
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) parent.set(find(k), find(keys[0]!));
  }
  const lanes = new Map<string, R[]>();
  rows.forEach((row, i) => {
    const root = find(keysOf[i]![0]!);
    const lane = lanes.get(root);
    if (lane) lane.push(row);
    else lanes.set(root, [row]);
  });
  return [...lanes.values()];
}

/** Events claimed (and their contacts written) together. */
export const MAX_CLAIM = 500;

/** Registrations whose journeys are entered (queued, or started) at once. */
export { START_CONCURRENCY } from './start-queue.js';

interface BatchOptions {
  /** Which events are due; the database's clock when absent. */
  now?: Date;
  exclude: number[];
  limit: number;
  parkAfter: number;
  concurrency: number;
}

/**
 * Registrations whose lanes hold nothing else: their contacts in one set-based transaction, then
 * their journeys entered (queued, and started unless the start queue's starter does it),
 * START_CONCURRENCY lanes at once (a contact's events in order). A crash after the contacts commit
 * leaves the events pending: applied again, the contacts are unchanged and the journeys, whose ids
 * are deterministic, queued or enrolled already.
 */
async function applyRegistrationLanes(
  deps: InboxDeps,
  lanes: { row: InboxEventRow; event: RegistrationEvent }[][],
  opts: BatchOptions,
  outcomes: Map<number, EventOutcome>,
): Promise<void> {
  if (!lanes.length) return;
  // In id order, so a contact's registrations are upserted in the order received.
  const all = lanes.flat().sort((a, b) => a.row.id - b.row.id);
  let contacts: RegisteredContact[];
  try {
    contacts = await upsertRegisteredContacts(
      deps.db,
      all.map(({ row, event }) => ({ event, receivedAt: row.received_at })),
    );
  } catch {
    // Nothing says which event is at fault: each is applied alone, so a poison event fails and
    // parks alone (and an outage is recorded on each, as ever).
    await forEachLimited(lanes, opts.concurrency, async (lane) => {
      for (const { row } of lane)
        outcomes.set(row.id, await attempt(deps, row, new Date(), opts.parkAfter));
    });
    return;
  }
  const contactOf = new Map(all.map(({ row }, i) => [row.id, contacts[i]!]));
  let campaigns: Promise<CampaignForStart[]> | undefined;
  await forEachLimited(lanes, START_CONCURRENCY, async (lane) => {
    for (const { row, event } of lane)
      outcomes.set(
        row.id,
        await settle(row, new Date(), opts.parkAfter, async () =>
          startWelcomeJourneys(
            deps,
            contactOf.get(row.id)!,
            await (campaigns ??= welcomeCampaigns(deps.db)),
            registrationEntryEvent(event, row.received_at),
          ),
        ),
      );
  });
}

/**
 * Claims up to `limit` due events (oldest first, skipping those another processor holds), applies
 * them — each contact's (or order's) in the order received, different ones at once — and records
 * every outcome, in one transaction. Registrations go together (applyRegistrationLanes); a lane
 * with a purchase or a refund is applied event by event, `concurrency` lanes at a time.
 */
async function claimBatchAndApply(deps: InboxDeps, opts: BatchOptions): Promise<EventOutcome[]> {
  return deps.db.transaction().execute(async (trx) => {
    const rows = await claimDueInboxEvents(trx, {
      now: opts.now,
      exclude: opts.exclude,
      limit: opts.limit,
      schedule: RETRY_SCHEDULE,
    });
    const outcomes = new Map<number, EventOutcome>();
    const parsed: { row: InboxEventRow; payload: unknown; event: InboxEvent }[] = [];
    for (const row of rows) {
      // Provider feedback concerns no contact's journeys: applied on its own, in the order received.
      if (isFeedbackSource(row.source)) {
        outcomes.set(row.id, await attempt(deps, row, new Date(), opts.parkAfter));
        continue;
      }
      try {
        parsed.push({ row, payload: row.payload, event: parseStoredEvent(row.payload) });
      } catch {
        outcomes.set(row.id, await attempt(deps, row, new Date(), opts.parkAfter));
      }
    }
    const registrations: { row: InboxEventRow; event: RegistrationEvent }[][] = [];
    const others: InboxEventRow[][] = [];
    for (const lane of lanesOf(parsed.map((p) => ({ ...p, id: p.row.id })))) {
      if (lane.every((p) => p.event.type === 'account_registered'))
        registrations.push(lane.map((p) => ({ row: p.row, event: p.event as RegistrationEvent })));
      else others.push(lane.map((p) => p.row));
    }
    await applyRegistrationLanes(deps, registrations, opts, outcomes);
    await forEachLimited(others, opts.concurrency, async (lane) => {
      for (const row of lane)
        outcomes.set(row.id, await attempt(deps, row, new Date(), opts.parkAfter));
    });
    const ordered = rows.map((row) => outcomes.get(row.id)!);
    await recordInboxAttempts(trx, ordered);
    return ordered;
  });
}

/**
 * Events applied at once by a batch, when they belong to different contacts. Applying a purchase
 * can hold two connections (its order's transaction, and the journeys look-up), and the batch holds
 * one: the pool needs at least 2 × concurrency + 1 connections (createDb's default is 10).
 */
export const DEFAULT_APPLY_CONCURRENCY = 4;

/**
 * Applies pending events that are due, oldest first, in claimed batches, until none is left or
 * `limit` were tried. `now` decides which are due (tests move it forward).
 */
export async function processInboxBatch(
  deps: InboxDeps,
  opts: {
    limit?: number;
    now?: Date;
    parkAfterAttempts?: number;
    /** Events of different contacts applied at once (default DEFAULT_APPLY_CONCURRENCY). */
    concurrency?: number;
    /** Events not to try (tried already). */
    exclude?: readonly number[];
  } = {},
): Promise<BatchSummary> {
  const limit = opts.limit ?? 100;
  const summary: BatchSummary = { applied: 0, rejected: 0, failed: 0, parked: 0, outcomes: [] };
  const tried: number[] = [...(opts.exclude ?? [])];
  while (summary.outcomes.length < limit) {
    const outcomes = await claimBatchAndApply(deps, {
      now: opts.now,
      exclude: tried,
      limit: Math.min(limit - summary.outcomes.length, MAX_CLAIM),
      parkAfter: opts.parkAfterAttempts ?? PARK_AFTER_ATTEMPTS,
      concurrency: opts.concurrency ?? DEFAULT_APPLY_CONCURRENCY,
    });
    if (!outcomes.length) break;
    for (const outcome of outcomes) {
      tried.push(outcome.id);
      summary.outcomes.push(outcome);
      summary[outcome.status]++;
    }
  }
  return summary;
}

/**
 * Applies one pending event now, whatever its backoff (the CLI applies what it just stored).
 * Undefined when the event is not pending: applied or rejected already, or being applied elsewhere.
 */
export async function processInboxEvent(
  deps: InboxDeps,
  id: number,
): Promise<EventOutcome | undefined> {
  return claimOneAndApply(deps, id);
}

/** One line about an outcome, for logs. */
export function describeOutcome(outcome: EventOutcome): string {
  const head = `inbox event ${outcome.id} (${outcome.source} ${outcome.type})`;
  switch (outcome.status) {
    case 'applied':
      return `${head} applied: ${outcome.result ? describeResult(outcome.result) : ''}`;
    case 'rejected':
      return `${head} rejected, not retried: ${outcome.error}`;
    case 'failed':
      return `${head} failed (attempt ${outcome.attempts}), retried after ${outcome.retryAt?.toISOString()}: ${outcome.error}`;
    case 'parked':
      return `${head} ${outcome.error} — see \`boomerang inbox show ${outcome.id}\`, then \`inbox retry\` or \`inbox discard\``;
  }
}

export type InboxProcessor = Poller;

export interface InboxProcessorOptions {
  /** Poll interval: how soon a failed event's retry or an event stored by another process is seen. Default 2 s. */
  intervalMs?: number;
  /** Events per batch. Default MAX_CLAIM: a backlog drains in claims as large as they come. */
  batchSize?: number;
  /** Where outcomes are logged. Default: the console. */
  log?: { info(line: string): void; warn(line: string): void };
  /** The clock of the outage lines' minute (a test's own). */
  now?: () => number;
  /**
   * Journeys go to the start queue, drained by a starter running beside the processor (default);
   * false starts them as each event is applied.
   */
  startQueue?: boolean;
}

/**
 * Polls the inbox (and processes at once when kicked) until stopped. The journeys the events enter
 * are queued as they are applied, and the start queue's starter, kicked after each batch, starts
 * them at the engine's rate: applying never waits for Temporal.
 */
export function startInboxProcessor(
  deps: InboxDeps,
  opts: InboxProcessorOptions = {},
): InboxProcessor {
  const intervalMs = opts.intervalMs ?? 2000;
  const batchSize = opts.batchSize ?? MAX_CLAIM;
  const log = opts.log ?? {
    info: (line: string) => console.log(line),
    warn: (line: string) => console.warn(line),
  };
  const queued = opts.startQueue !== false;
  const starts = queued ? startStartQueue(starter(deps), { log }) : undefined;
  const applyDeps = { ...deps, queueStarts: queued };
  const failing = new FailingRounds();
  // Events failing for an outage are summarised; the others keep a line each.
  const outages = new OutageFailures(log, HELD_EVENTS, opts.now);
  const heldEvents = () =>
    outages
      .held()
      .filter((id): id is number => typeof id === 'number')
      .sort((a, b) => a - b);
  // The events an outage held up, oldest first, once it is over: applied at once rather than after
  // their backoff (minutes, after a long outage), since the journeys whose waits ended meanwhile
  // check for the purchases among them as soon as Temporal is back.
  const released: number[] = [];
  const processor = poll(async () => {
    try {
      const outcomes: EventOutcome[] = [];
      // While an outage holds events up, the oldest is tried every round, due or not: the first
      // to apply ends the outage and releases the others.
      const canary = heldEvents()[0];
      if (canary !== undefined) {
        const outcome = await processInboxEvent(applyDeps, canary);
        if (outcome) outcomes.push(outcome);
        else outages.forget(canary);
      }
      while (released.length && outcomes.length < batchSize) {
        // Claimed one by one (SKIP LOCKED): one applied or being applied elsewhere is passed over.
        const outcome = await processInboxEvent(applyDeps, released[0]!);
        released.shift();
        if (outcome) outcomes.push(outcome);
      }
      // Each event once a round, so its outcome there is the only one.
      const summary = await processInboxBatch(applyDeps, {
        limit: batchSize,
        exclude: outcomes.map((o) => o.id),
      });
      outcomes.push(...summary.outcomes);
      const held = heldEvents();
      for (const outcome of outages.take(outcomes))
        (outcome.status === 'applied' ? log.info : log.warn)(`inbox: ${describeOutcome(outcome)}`);
      if (held.length && !outages.held().length) {
        const settled = new Set(outcomes.map((o) => o.id));
        released.push(...held.filter((id) => !settled.has(id)));
      }
      if (outcomes.some((o) => o.status === 'applied')) starts?.kick();
      const failed = failing.success();
      if (failed)
        log.info(`inbox: processing events again, after ${counted(failed, 'failed attempt')}`);
      return summary.outcomes.length >= batchSize || released.length > 0;
    } catch (err) {
      // Postgres unreachable: say so once, keep polling, say when it works again.
      const problem = errorText(err);
      if (failing.failure(problem))
        log.warn(`inbox: cannot process events (${problem}); retrying every ${intervalMs} ms`);
      return false;
    }
  }, intervalMs);
  return {
    kick: () => processor.kick(),
    async stop() {
      await Promise.all([processor.stop(), starts?.stop()]);
    },
  };
}
