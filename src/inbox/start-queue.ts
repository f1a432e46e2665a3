/**
 * The start queue's starters: the journeys applied events queued (src/db/start-queue.ts) are
 * started here, at the engine's rate, so applying an event never waits for Temporal.
 *
 * A starter claims due rows in batches (`FOR UPDATE SKIP LOCKED`, under a lease), keeps
 * START_CONCURRENCY starts in flight with the enrolment module's start (deterministic ids,
 * REJECT_DUPLICATE), and deletes the started rows as it writes their journeys' rows. A start that
 * fails stays queued with its error and is retried with backoff; a starter that dies between the
 * start and the delete leaves the row to come back after its lease: started again, the workflow
 * exists already, and the row is done. Nothing is lost and nothing starts twice. A start that
 * failed START_PARK_AFTER_ATTEMPTS times for a reason other than an outage is parked for an
 * operator (`boomerang inbox starts`): retried, it is started as any other; discarded, never.
 * A paused campaign enrols nobody new: its queued starts are held (not claimed) until it is
 * resumed, and dropped if it is stopped.
 *
 * A contact's queued journeys are also started before the inbox signals that contact's journeys
 * (startQueuedJourneysOf), so a signal never overtakes the start it would reach.
 */
import {
  enrolmentFailure,
  journeyInput,
  type JourneyStarter,
  startJourneyWorkflow,
  type StartOutcome,
} from '../campaigns/enrolment.js';
import type { FlowEvent } from '../campaigns/journey-contract.js';
import type { CampaignBase } from '../campaigns/kinds/common.js';
import { forEachLimited } from '../domain/concurrency.js';
import { counted } from '../domain/counted.js';
import { messageWithCauses } from '../domain/errors.js';
import {
  claimDueStarts,
  definitionsAtVersions,
  dropStarts,
  markStartsDone,
  type QueuedStart,
  queuedStartsOf,
  recordStartFailure,
  releaseStarts,
  versionKey,
} from '../db/start-queue.js';
import { outageInWords } from './outage.js';
import { type Attempt, type HeldWork, OutageFailures } from './outage-log.js';
import { FailingRounds, poll, type Poller } from './poller.js';

export { startQueueStatus, type StartQueueStatus } from '../db/start-queue.js';

/** Journey starts in flight at once per starter, as a launch does. */
export const START_CONCURRENCY = 64;
/** Rows claimed at a time. */
export const START_BATCH = 256;
/** A claimed row comes back to the queue after this long if its starter died. */
export const START_LEASE_SECONDS = 120;
/** A failed start is tried again 2 s later, doubling, at most 5 minutes apart. */
const RETRY_BASE_SECONDS = 2;
const RETRY_MAX_SECONDS = 300;
/**
 * Failed attempts (outages aside) before a start is parked: 24 minutes of retries (2 s, doubling,
 * at most 5 minutes apart).
 */
export const START_PARK_AFTER_ATTEMPTS = 12;

export function startRetryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_SECONDS);
}

/** The definitions of the versions queued starts name, read once per version for a drain. */
type Definitions = Map<string, { definition: CampaignBase; status: string } | undefined>;

async function loadDefinitions(
  deps: JourneyStarter,
  rows: readonly QueuedStart[],
  into: Definitions,
): Promise<void> {
  const missing = new Map(
    rows
      .filter((r) => !into.has(versionKey(r.campaignId, r.definitionVersion)))
      .map((r) => [
        versionKey(r.campaignId, r.definitionVersion),
        { campaignId: r.campaignId, version: r.definitionVersion },
      ]),
  );
  if (!missing.size) return;
  const found = await definitionsAtVersions(deps.db, [...missing.values()]);
  for (const key of missing.keys()) into.set(key, found.get(key));
}

/**
 * What became of started rows, written in chunks: done ones leave the queue (their journeys'
 * rows written), those of stopped or dropped campaigns are dropped, those of campaigns found paused
 * go back to the queue, held; failed ones back off. A campaign's status is the one read with its
 * definition, once per drain after a claim: a pause later in a drain holds what it claims next
 * (the claim skips paused campaigns), not the rows already in hand.
 */
class Settlement {
  readonly started = new Map<string, StartOutcome>();
  /** Each with the outage it failed for, in words (outageInWords), if it did. */
  readonly failed: { workflowId: string; campaignId: string; error: unknown; outage?: string }[] =
    [];
  dropped = 0;
  parked = 0;
  held = 0;
  private done: string[] = [];
  private drops: string[] = [];
  private releases: string[] = [];
  private failures: { row: QueuedStart; error: unknown; outage?: string }[] = [];

  constructor(
    private readonly deps: JourneyStarter,
    private readonly parkAfter: number,
  ) {}

  /** Starts one row (its definition loaded); never throws but records the failure. */
  async start(row: QueuedStart, definitions: Definitions): Promise<void> {
    const stored = definitions.get(versionKey(row.campaignId, row.definitionVersion));
    if (!stored || stored.status === 'stopped') {
      this.drops.push(row.workflowId);
      this.dropped++;
      return;
    }
    if (stored.status === 'paused') {
      this.releases.push(row.workflowId);
      this.held++;
      return;
    }
    const input = {
      ...journeyInput(
        stored.definition,
        row.definitionVersion,
        row.contactId,
        row.entryEvent as FlowEvent | undefined,
      ),
      holdout: row.holdout,
    };
    try {
      const outcome = await startJourneyWorkflow(this.deps, row.workflowId, input);
      this.started.set(row.workflowId, outcome);
      this.done.push(row.workflowId);
    } catch (error) {
      const outage = outageInWords(error);
      this.failed.push({ workflowId: row.workflowId, campaignId: row.campaignId, error, outage });
      this.failures.push({ row, error, outage });
    }
  }

  get unwritten(): number {
    return this.done.length + this.drops.length + this.releases.length + this.failures.length;
  }

  /** Writes what is not written yet. */
  async write(): Promise<void> {
    const done = this.done.splice(0);
    const drops = this.drops.splice(0);
    const releases = this.releases.splice(0);
    const failures = this.failures.splice(0);
    await markStartsDone(this.deps.db, done);
    await dropStarts(this.deps.db, drops);
    await releaseStarts(this.deps.db, releases);
    const now = Date.now();
    for (const { row, error, outage } of failures) {
      const park = row.attempts + 1 >= this.parkAfter && outage === undefined;
      if (park) this.parked++;
      await recordStartFailure(this.deps.db, {
        workflowId: row.workflowId,
        error: messageWithCauses(error, 5).slice(0, 2000),
        retryAt: new Date(now + startRetryDelaySeconds(row.attempts + 1) * 1000),
        park,
      });
    }
  }
}

export interface DrainSummary {
  started: number;
  alreadyStarted: number;
  failed: number;
  /** Of the failed, parked now (failed too often, not for an outage). */
  parked: number;
  dropped: number;
  /** Claimed, but their campaign was paused meanwhile: back in the queue until it is resumed. */
  held: number;
  /** The starts tried: started, or failed (with the outage they failed for, if any). */
  attempts: Attempt[];
}

/**
 * Starts due queued journeys until none is due or `limit` were tried, `concurrency` in flight all
 * along: rows are claimed `batchSize` at a time as the ones in hand run low, and written done in
 * chunks as they finish. Failed starts stay queued (with their error) for a later round; nothing
 * here throws but a database error (the rows in hand then come back after their lease).
 */
export async function drainStartQueue(
  deps: JourneyStarter,
  opts: { limit?: number; batchSize?: number; concurrency?: number; parkAfter?: number } = {},
): Promise<DrainSummary> {
  const limit = opts.limit ?? Infinity;
  const batchSize = opts.batchSize ?? START_BATCH;
  const concurrency = opts.concurrency ?? START_CONCURRENCY;
  const settlement = new Settlement(deps, opts.parkAfter ?? START_PARK_AFTER_ATTEMPTS);
  const definitions: Definitions = new Map();
  const inHand: QueuedStart[] = [];
  let claimed = 0;
  let exhausted = false;
  let claiming: Promise<void> | undefined;
  const claim = async () => {
    const rows = await claimDueStarts(deps.db, {
      limit: Math.min(batchSize, limit - claimed),
      leaseSeconds: START_LEASE_SECONDS,
    });
    claimed += rows.length;
    if (rows.length < batchSize || claimed >= limit) exhausted = true;
    await loadDefinitions(deps, rows, definitions);
    inHand.push(...rows);
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        if (inHand.length < concurrency && !exhausted)
          await (claiming ??= claim().finally(() => (claiming = undefined)));
        const row = inHand.shift();
        if (!row) {
          if (exhausted) return;
          continue;
        }
        await settlement.start(row, definitions);
        if (settlement.unwritten >= concurrency) await settlement.write();
      }
    }),
  );
  await settlement.write();
  const outcomes = [...settlement.started.values()];
  return {
    started: outcomes.filter((o) => o === 'started').length,
    alreadyStarted: outcomes.filter((o) => o !== 'started').length,
    failed: settlement.failed.length,
    parked: settlement.parked,
    dropped: settlement.dropped,
    held: settlement.held,
    attempts: [
      ...[...settlement.started.keys()].map((id) => ({ id, status: 'started' })),
      ...settlement.failed.map((f) => ({ id: f.workflowId, status: 'failed', outage: f.outage })),
    ],
  };
}

/**
 * Starts rows taken from the queue (a contact's, or a starter's claim), their campaigns' status
 * read now, and writes what became of them. Between the take and this call a campaign may be
 * paused (its rows go back to the queue, held) or stopped (dropped).
 */
export async function startRowsInHand(
  deps: JourneyStarter,
  rows: readonly QueuedStart[],
): Promise<Pick<Settlement, 'started' | 'failed' | 'held' | 'dropped'>> {
  const definitions: Definitions = new Map();
  await loadDefinitions(deps, rows, definitions);
  const settlement = new Settlement(deps, START_PARK_AFTER_ATTEMPTS);
  await forEachLimited(rows, START_CONCURRENCY, (row) => settlement.start(row, definitions));
  await settlement.write();
  return settlement;
}

/**
 * Starts a contact's queued journeys now, whatever their backoff, parked ones aside (before the
 * contact's journeys are signalled, or to start what an event just queued), but those in `except`.
 * Throws when one fails, naming each campaign, with the first error as its cause (an outage stays
 * recognisable); the row stays queued.
 */
export async function startQueuedJourneysOf(
  deps: JourneyStarter,
  contactId: number,
  except: ReadonlySet<string> = new Set(),
): Promise<Map<string, StartOutcome>> {
  const rows = (await queuedStartsOf(deps.db, contactId)).filter((r) => !except.has(r.workflowId));
  if (!rows.length) return new Map();
  const settlement = await startRowsInHand(deps, rows);
  if (settlement.failed.length)
    throw enrolmentFailure(
      contactId,
      settlement.failed,
      rows.filter((r) => settlement.started.has(r.workflowId)),
    );
  return settlement.started;
}

export interface StartQueueOptions {
  /** How soon a start queued by another process, or a failed start's retry, is seen. Default 1 s. */
  intervalMs?: number;
  log?: { info(line: string): void; warn(line: string): void };
  /** The clock of the outage lines' minute (a test's own). */
  now?: () => number;
}

/** The start queue's words for the starts an outage holds up. */
const HELD_STARTS: HeldWork = {
  prefix: 'start queue',
  noun: 'journey start',
  notDone: 'not started',
  waiting: 'they stay queued',
  doing: 'starting journeys',
  again: 'journey starts held up by the outage go through again',
};

/** A starter polling the queue (and starting at once when kicked) until stopped. */
export function startStartQueue(deps: JourneyStarter, opts: StartQueueOptions = {}): Poller {
  const intervalMs = opts.intervalMs ?? 1000;
  const log = opts.log ?? {
    info: (line: string) => console.log(line),
    warn: (line: string) => console.warn(line),
  };
  const failing = new FailingRounds();
  // Starts failing for an outage are summarised; the others are counted each round.
  const outages = new OutageFailures(log, HELD_STARTS, opts.now);
  return poll(async () => {
    try {
      const s = await drainStartQueue(deps, { limit: START_BATCH * 4 });
      const ownFailures = outages.take(s.attempts).filter((a) => a.status === 'failed').length;
      if (s.started || s.alreadyStarted || s.dropped || s.held)
        log.info(
          `start queue: ${counted(s.started, 'journey')} started${s.alreadyStarted ? `, ${s.alreadyStarted} found started` : ''}${s.dropped ? `, ${s.dropped} of stopped campaigns dropped` : ''}${s.held ? `, ${s.held} of paused campaigns held until resumed` : ''}`,
        );
      // Parked starts failed for their own reason, never for an outage.
      if (ownFailures > s.parked)
        log.warn(
          `start queue: ${counted(ownFailures - s.parked, 'start')} failed, kept and retried (boomerang inbox starts --state failing)`,
        );
      if (s.parked)
        log.warn(
          `start queue: ${counted(s.parked, 'start')} parked after ${START_PARK_AFTER_ATTEMPTS} failed attempts; see boomerang inbox starts --state parked, then retry-starts or discard-starts`,
        );
      const failed = failing.success();
      if (failed)
        log.info(
          `start queue: starting journeys again, after ${counted(failed, 'failed attempt')}`,
        );
      return s.started + s.alreadyStarted + s.failed + s.dropped + s.held >= START_BATCH * 4;
    } catch (err) {
      const problem = messageWithCauses(err, 3);
      if (failing.failure(problem))
        log.warn(
          `start queue: cannot start journeys (${problem}); retrying every ${intervalMs} ms`,
        );
      return false;
    }
  }, intervalMs);
}
