/**
 * The start queue's starters: the journeys applied events queued (src/db/start-queue.ts) are
 * started here, at the engine's rate, so applying an event never waits for Temporal.
 *
 * A starter claims due rows in batches (`FOR UPDATE SKIP LOCKED`, under a lease), starts them
 * START_CONCURRENCY at a time with the enrolment module's start (deterministic ids,
 * REJECT_DUPLICATE), then deletes them as it writes their journeys' rows. A start that fails stays
 * queued with its error and is retried with backoff; a starter that dies between the start and the
 * delete leaves the row to come back after its lease: started again, the workflow exists already,
 * and the row is done. Nothing is lost and nothing starts twice.
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
import { forEachLimited } from '../domain/concurrency.js';
import { messageWithCauses } from '../domain/errors.js';
import {
  claimDueStarts,
  definitionsAtVersions,
  dropStarts,
  markStartsDone,
  type QueuedStart,
  queuedStartsOf,
  recordStartFailure,
  versionKey,
} from '../db/start-queue.js';
import { poll, type Poller } from './poller.js';

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

export function startRetryDelaySeconds(attempts: number): number {
  return Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_SECONDS);
}

export interface StartRound {
  /** Workflows started now (or found started by an earlier attempt). */
  started: Map<string, StartOutcome>;
  failed: { workflowId: string; campaignId: string; error: unknown }[];
  /** Their campaign was stopped or dropped: not started. */
  dropped: number;
}

/** Starts `rows`, then records what became of each (done, failed with backoff, dropped). */
async function startRows(
  deps: JourneyStarter,
  rows: readonly QueuedStart[],
  concurrency = START_CONCURRENCY,
): Promise<StartRound> {
  const round: StartRound = { started: new Map(), failed: [], dropped: 0 };
  if (!rows.length) return round;
  const versions = new Map(
    rows.map((r) => [
      versionKey(r.campaignId, r.definitionVersion),
      { campaignId: r.campaignId, version: r.definitionVersion },
    ]),
  );
  const definitions = await definitionsAtVersions(deps.db, [...versions.values()]);
  const dropped: string[] = [];
  await forEachLimited(rows, concurrency, async (row) => {
    const stored = definitions.get(versionKey(row.campaignId, row.definitionVersion));
    if (!stored || stored.status === 'stopped') {
      dropped.push(row.workflowId);
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
      round.started.set(row.workflowId, await startJourneyWorkflow(deps, row.workflowId, input));
    } catch (error) {
      round.failed.push({ workflowId: row.workflowId, campaignId: row.campaignId, error });
    }
  });
  await markStartsDone(deps.db, [...round.started.keys()]);
  await dropStarts(deps.db, dropped);
  round.dropped = dropped.length;
  const now = Date.now();
  const attemptsOf = new Map(rows.map((r) => [r.workflowId, r.attempts]));
  for (const f of round.failed) {
    const attempts = attemptsOf.get(f.workflowId)! + 1;
    await recordStartFailure(deps.db, {
      workflowId: f.workflowId,
      error: messageWithCauses(f.error, 5).slice(0, 2000),
      retryAt: new Date(now + startRetryDelaySeconds(attempts) * 1000),
    });
  }
  return round;
}

export interface DrainSummary {
  started: number;
  alreadyStarted: number;
  failed: number;
  dropped: number;
}

/**
 * Starts due queued journeys, batch after batch, until none is due or `limit` were tried. Failed
 * starts stay queued (with their error) for a later round; nothing here throws but a database error.
 */
export async function drainStartQueue(
  deps: JourneyStarter,
  opts: { limit?: number; batchSize?: number; concurrency?: number } = {},
): Promise<DrainSummary> {
  const limit = opts.limit ?? Infinity;
  const batchSize = opts.batchSize ?? START_BATCH;
  const summary: DrainSummary = { started: 0, alreadyStarted: 0, failed: 0, dropped: 0 };
  for (let tried = 0; tried < limit;) {
    const rows = await claimDueStarts(deps.db, {
      limit: Math.min(batchSize, limit - tried),
      leaseSeconds: START_LEASE_SECONDS,
    });
    if (!rows.length) break;
    tried += rows.length;
    const round = await startRows(deps, rows, opts.concurrency);
    for (const outcome of round.started.values())
      summary[outcome === 'started' ? 'started' : 'alreadyStarted']++;
    summary.failed += round.failed.length;
    summary.dropped += round.dropped;
  }
  return summary;
}

/**
 * Starts a contact's queued journeys now, whatever their backoff (before the contact's journeys
 * are signalled, or to start what an event just queued), but those in `except`. Throws when one fails, naming each
 * campaign, with the first error as its cause (an outage stays recognisable); the row stays queued.
 */
export async function startQueuedJourneysOf(
  deps: JourneyStarter,
  contactId: number,
  except: ReadonlySet<string> = new Set(),
): Promise<Map<string, StartOutcome>> {
  const rows = (await queuedStartsOf(deps.db, contactId)).filter((r) => !except.has(r.workflowId));
  const round = await startRows(deps, rows);
  if (round.failed.length)
    throw enrolmentFailure(
      contactId,
      round.failed,
      rows.filter((r) => round.started.has(r.workflowId)),
    );
  return round.started;
}

export interface StartQueueOptions {
  /** How soon a start queued by another process, or a failed start's retry, is seen. Default 1 s. */
  intervalMs?: number;
  log?: { info(line: string): void; warn(line: string): void };
}

/** A starter polling the queue (and starting at once when kicked) until stopped. */
export function startStartQueue(deps: JourneyStarter, opts: StartQueueOptions = {}): Poller {
  const intervalMs = opts.intervalMs ?? 1000;
  const log = opts.log ?? {
    info: (line: string) => console.log(line),
    warn: (line: string) => console.warn(line),
  };
  let lastProblem: string | undefined;
  return poll(async () => {
    try {
      const s = await drainStartQueue(deps, { limit: START_BATCH * 4 });
      if (s.started || s.alreadyStarted || s.dropped)
        log.info(
          `start queue: ${s.started} journey(s) started${s.alreadyStarted ? `, ${s.alreadyStarted} found started` : ''}${s.dropped ? `, ${s.dropped} of stopped campaigns dropped` : ''}`,
        );
      if (s.failed)
        log.warn(
          `start queue: ${s.failed} start(s) failed, kept and retried (boomerang inbox list)`,
        );
      lastProblem = undefined;
      return s.started + s.alreadyStarted + s.failed + s.dropped >= START_BATCH * 4;
    } catch (err) {
      const problem = messageWithCauses(err, 3);
      if (problem !== lastProblem)
        log.warn(
          `start queue: cannot start journeys (${problem}); retrying every ${intervalMs} ms`,
        );
      lastProblem = problem;
      return false;
    }
  }, intervalMs);
}
