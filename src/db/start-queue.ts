/**
 * The start queue (journey_starts): journeys an applied store event enrolled, waiting for a
 * starter. Written as the event is applied, taken by starters with `FOR UPDATE SKIP LOCKED` under
 * a lease, and deleted once the workflow exists — in the statement that writes the journey's row,
 * so a contact's journey is always counted in one table or the other. A start that kept failing
 * for a reason other than an outage is parked: no starter takes it until an operator retries it,
 * or discards it (its row deleted: the journey never starts). A start whose campaign is paused is
 * held: no starter takes it until the campaign is resumed (a stop drops it).
 */
import { sql } from 'kysely';
import {
  type CampaignDefinition,
  parseCampaignDefinition,
} from '../domain/campaigns/definition.js';
import type { Executor } from './database.js';

export interface JourneyStartInput {
  workflowId: string;
  campaignId: string;
  definitionVersion: number;
  contactId: number;
  holdout: boolean;
  entryEvent?: unknown;
}

export interface QueuedStart extends JourneyStartInput {
  enqueuedAt: Date;
  attempts: number;
  lastError: string | null;
  parkedAt: Date | null;
}

interface QueuedStartRow {
  workflow_id: string;
  campaign_id: string;
  definition_version: number;
  contact_id: string | number;
  holdout: boolean;
  entry_event: unknown;
  enqueued_at: Date;
  attempts: number;
  last_error: string | null;
  parked_at: Date | null;
}

const queuedStart = (r: QueuedStartRow): QueuedStart => ({
  workflowId: r.workflow_id,
  campaignId: r.campaign_id,
  definitionVersion: r.definition_version,
  contactId: Number(r.contact_id),
  holdout: r.holdout,
  ...(r.entry_event === null ? {} : { entryEvent: r.entry_event }),
  enqueuedAt: r.enqueued_at,
  attempts: r.attempts,
  lastError: r.last_error,
  parkedAt: r.parked_at,
});

/**
 * Queues a journey's start, unless its journey exists; an event applied again queues nothing more.
 * True when the start is queued (now or before), false when the journey exists.
 */
export async function enqueueJourneyStart(db: Executor, s: JourneyStartInput): Promise<boolean> {
  const { rows } = await sql<{ workflow_id: string }>`
    INSERT INTO journey_starts (workflow_id, campaign_id, definition_version, contact_id, holdout, entry_event)
    SELECT ${s.workflowId}, ${s.campaignId}, ${s.definitionVersion}, ${s.contactId}, ${s.holdout},
           ${s.entryEvent === undefined ? null : JSON.stringify(s.entryEvent)}::jsonb
    WHERE NOT EXISTS (SELECT 1 FROM journeys WHERE workflow_id = ${s.workflowId})
    ON CONFLICT (workflow_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id
    RETURNING workflow_id`.execute(db);
  return rows.length > 0;
}

/** Starts held by their campaign's pause, as a condition on `journey_starts`. */
const heldByPause = sql<boolean>`(campaign_id IN (SELECT id FROM campaigns WHERE status = 'paused'))`;

/**
 * Takes up to `limit` due starts, oldest first, skipping those another starter holds and those
 * of paused campaigns, and moves them `leaseSeconds` ahead: a starter that dies lets them come
 * back after that.
 */
export async function claimDueStarts(
  db: Executor,
  opts: { limit: number; leaseSeconds: number },
): Promise<QueuedStart[]> {
  const { rows } = await sql<QueuedStartRow>`
    UPDATE journey_starts s
       SET due_at = now() + make_interval(secs => ${opts.leaseSeconds})
      FROM (SELECT workflow_id FROM journey_starts
             WHERE due_at <= now() AND parked_at IS NULL AND NOT ${heldByPause}
             ORDER BY due_at
             LIMIT ${opts.limit}
             FOR UPDATE SKIP LOCKED) due
     WHERE s.workflow_id = due.workflow_id
    RETURNING s.*`.execute(db);
  return rows.map(queuedStart).sort((a, b) => a.enqueuedAt.getTime() - b.enqueuedAt.getTime());
}

/**
 * A contact's queued starts, due or not, parked and held ones aside (their contact is about to be
 * signalled).
 */
export async function queuedStartsOf(db: Executor, contactId: number): Promise<QueuedStart[]> {
  const { rows } = await sql<QueuedStartRow>`
    SELECT * FROM journey_starts
     WHERE contact_id = ${contactId} AND parked_at IS NULL AND NOT ${heldByPause}
     ORDER BY enqueued_at`.execute(db);
  return rows.map(queuedStart);
}

/**
 * The workflows exist: their rows leave the queue and their journeys' rows are written, in one
 * statement (the journey's own enrolment write then finds its row, as a reserved one).
 */
export async function markStartsDone(db: Executor, workflowIds: readonly string[]): Promise<void> {
  if (!workflowIds.length) return;
  await sql`
    WITH done AS (
      DELETE FROM journey_starts WHERE workflow_id = ANY(${[...workflowIds]}::text[]) RETURNING *
    )
    INSERT INTO journeys (workflow_id, campaign_id, contact_id, holdout, definition_version, enrolled_at)
    SELECT workflow_id, campaign_id, contact_id, holdout, definition_version, enqueued_at FROM done
    ON CONFLICT (workflow_id) DO NOTHING`.execute(db);
}

/** A campaign's queued starts, parked ones aside. */
export async function queuedStartCount(db: Executor, campaignId: string): Promise<number> {
  const row = await db
    .selectFrom('journey_starts')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('campaign_id', '=', campaignId)
    .where('parked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Claimed starts whose campaign was paused meanwhile: back in the queue, held, due at once. */
export async function releaseStarts(db: Executor, workflowIds: readonly string[]): Promise<void> {
  if (!workflowIds.length) return;
  await db
    .updateTable('journey_starts')
    .set({ due_at: sql<Date>`now()` })
    .where('workflow_id', 'in', workflowIds)
    .execute();
}

/** Starts that must not happen (their campaign was stopped): out of the queue, no journey. */
export async function dropStarts(db: Executor, workflowIds: readonly string[]): Promise<void> {
  if (!workflowIds.length) return;
  await db.deleteFrom('journey_starts').where('workflow_id', 'in', workflowIds).execute();
}

/** A start that failed: kept with its error, due again at `retryAt`, or parked. */
export async function recordStartFailure(
  db: Executor,
  failure: { workflowId: string; error: string; retryAt: Date; park: boolean },
): Promise<void> {
  await db
    .updateTable('journey_starts')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: failure.error,
      due_at: failure.retryAt,
      ...(failure.park ? { parked_at: sql<Date>`now()` } : {}),
    }))
    .where('workflow_id', '=', failure.workflowId)
    .execute();
}

/** The campaign definitions of the given versions, with each campaign's status now. */
export async function definitionsAtVersions(
  db: Executor,
  keys: readonly { campaignId: string; version: number }[],
): Promise<Map<string, { definition: CampaignDefinition; status: string }>> {
  if (!keys.length) return new Map();
  const rows = await db
    .selectFrom('campaign_versions as v')
    .innerJoin('campaigns as c', 'c.id', 'v.campaign_id')
    .select(['v.campaign_id', 'v.version', 'v.definition', 'c.status'])
    .where((eb) =>
      eb.or(
        keys.map((k) =>
          eb.and([eb('v.campaign_id', '=', k.campaignId), eb('v.version', '=', k.version)]),
        ),
      ),
    )
    .execute();
  return new Map(
    rows.map((r) => [
      versionKey(r.campaign_id, r.version),
      { definition: parseCampaignDefinition(r.definition), status: r.status },
    ]),
  );
}

export const versionKey = (campaignId: string, version: number) => `${campaignId}@${version}`;

export interface StartQueueStatus {
  /** Starts waiting (failed ones included), parked and held ones aside. */
  queued: number;
  /** Of which failed at least once. */
  failing: number;
  /** Of those waiting, the oldest's enqueue time. */
  oldestEnqueuedAt: Date | null;
  /** Parked: failed too often, left for an operator. */
  parked: number;
  /** Held: their campaign is paused; they start when it is resumed. */
  held: number;
}

export async function startQueueStatus(db: Executor): Promise<StartQueueStatus> {
  const { rows } = await sql<{
    queued: string;
    failing: string;
    oldest: Date | null;
    parked: string;
    held: string;
  }>`
    WITH s AS (SELECT *, parked_at IS NULL AND ${heldByPause} AS held FROM journey_starts)
    SELECT count(*) FILTER (WHERE parked_at IS NULL AND NOT held) AS queued,
           count(*) FILTER (WHERE parked_at IS NULL AND NOT held AND last_error IS NOT NULL) AS failing,
           min(enqueued_at) FILTER (WHERE parked_at IS NULL AND NOT held) AS oldest,
           count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
           count(*) FILTER (WHERE held) AS held
      FROM s`.execute(db);
  const row = rows[0]!;
  return {
    queued: Number(row.queued),
    failing: Number(row.failing),
    oldestEnqueuedAt: row.oldest,
    parked: Number(row.parked),
    held: Number(row.held),
  };
}

export const START_STATES = ['waiting', 'failing', 'parked', 'held'] as const;
/**
 * waiting: never tried or not failed yet; failing: failed, retried; parked: left for an operator;
 * held: its campaign is paused (parked ones aside).
 */
export type StartState = (typeof START_STATES)[number];

/** How many queued starts are in each state (START_STATES), from the queue's status. */
export function startCountsByState(q: StartQueueStatus): Record<StartState, number> {
  return { waiting: q.queued - q.failing, failing: q.failing, parked: q.parked, held: q.held };
}

/** The queued starts in one state, oldest first. */
export async function listQueuedStarts(
  db: Executor,
  state: StartState,
  limit: number,
): Promise<QueuedStart[]> {
  let query = db.selectFrom('journey_starts').selectAll();
  if (state === 'parked') query = query.where('parked_at', 'is not', null);
  else {
    query = query.where('parked_at', 'is', null);
    query =
      state === 'held'
        ? query.where(heldByPause)
        : query
            .where(sql<boolean>`NOT ${heldByPause}`)
            .where('last_error', state === 'failing' ? 'is not' : 'is', null);
  }
  const rows = await query.orderBy('enqueued_at').orderBy('workflow_id').limit(limit).execute();
  return rows.map((r) => queuedStart(r as QueuedStartRow));
}

/** Parked starts due again now, their attempts counted afresh. Returns their workflow ids. */
export async function retryParkedStarts(
  db: Executor,
  workflowIds: readonly string[] | 'all-parked',
): Promise<string[]> {
  let query = db
    .updateTable('journey_starts')
    .set({ parked_at: null, attempts: 0, due_at: sql<Date>`now()` })
    .where('parked_at', 'is not', null);
  if (workflowIds !== 'all-parked')
    query = query.where('workflow_id', 'in', workflowIds.length ? workflowIds : ['']);
  const rows = await query.returning('workflow_id').execute();
  return rows.map((r) => r.workflow_id);
}

/** Parked starts given up: out of the queue, their journeys never started. Returns them. */
export async function discardParkedStarts(
  db: Executor,
  workflowIds: readonly string[] | 'all-parked',
): Promise<QueuedStart[]> {
  let query = db.deleteFrom('journey_starts').where('parked_at', 'is not', null);
  if (workflowIds !== 'all-parked')
    query = query.where('workflow_id', 'in', workflowIds.length ? workflowIds : ['']);
  const rows = await query.returningAll().execute();
  return rows.map((r) => queuedStart(r as QueuedStartRow));
}
