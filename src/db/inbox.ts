/**
 * The inbox seen from outside the processor: counts by state, and the events someone has to look
 * at — parked (failed too often) and rejected (could never be applied) — with the means to retry
 * or discard them (`boomerang inbox`).
 *
 * States of an `inbox_events` row:
 *   pending   processed_at NULL, parked_at NULL: waiting for its (next) attempt;
 *   parked    processed_at NULL, parked_at set: failed too often, waits for `inbox retry|discard`;
 *   applied   processed_at set, last_error NULL;
 *   rejected  processed_at set, last_error set ("rejected: …", "discarded: …").
 */
import { sql } from 'kysely';
import type { Db, Executor } from './database.js';
import type { InboxEventRow } from './schema.js';

export type InboxState = 'pending' | 'parked' | 'applied' | 'rejected';

export const INBOX_STATES: readonly InboxState[] = ['pending', 'parked', 'applied', 'rejected'];

export function inboxStateOf(
  row: Pick<InboxEventRow, 'processed_at' | 'parked_at' | 'last_error'>,
): InboxState {
  if (row.processed_at === null) return row.parked_at === null ? 'pending' : 'parked';
  return row.last_error === null ? 'applied' : 'rejected';
}

/** How many events are in each state. */
export async function countInboxByState(db: Db): Promise<Record<InboxState, number>> {
  const row = await db
    .selectFrom('inbox_events')
    .select([
      sql<string>`count(*) FILTER (WHERE processed_at IS NULL AND parked_at IS NULL)`.as('pending'),
      sql<string>`count(*) FILTER (WHERE processed_at IS NULL AND parked_at IS NOT NULL)`.as(
        'parked',
      ),
      sql<string>`count(*) FILTER (WHERE processed_at IS NOT NULL AND last_error IS NULL)`.as(
        'applied',
      ),
      sql<string>`count(*) FILTER (WHERE processed_at IS NOT NULL AND last_error IS NOT NULL)`.as(
        'rejected',
      ),
    ])
    .executeTakeFirstOrThrow();
  return {
    pending: Number(row.pending),
    parked: Number(row.parked),
    applied: Number(row.applied),
    rejected: Number(row.rejected),
  };
}

/** Events in a state, newest first. */
export async function listInboxEvents(
  db: Db,
  state: InboxState,
  limit: number,
): Promise<InboxEventRow[]> {
  let query = db.selectFrom('inbox_events').selectAll();
  switch (state) {
    case 'pending':
      query = query.where('processed_at', 'is', null).where('parked_at', 'is', null);
      break;
    case 'parked':
      query = query.where('processed_at', 'is', null).where('parked_at', 'is not', null);
      break;
    case 'applied':
      query = query.where('processed_at', 'is not', null).where('last_error', 'is', null);
      break;
    case 'rejected':
      query = query.where('processed_at', 'is not', null).where('last_error', 'is not', null);
  }
  return query.orderBy('id', 'desc').limit(limit).execute();
}

export async function findInboxEvent(db: Db, id: number): Promise<InboxEventRow | undefined> {
  return db.selectFrom('inbox_events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The event's last error (null when there is none); throws when there is no such event. */
export async function inboxEventLastError(db: Db, id: number): Promise<string | null> {
  const { last_error } = await db
    .selectFrom('inbox_events')
    .select('last_error')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return last_error;
}

/**
 * Makes parked or rejected events pending again, due at once: attempts start again from 0 (the
 * backoff counts from received_at, so received_at moves to now). Returns the ids made pending.
 */
export async function retryInboxEvents(db: Db, ids: number[] | 'all-parked'): Promise<number[]> {
  let query = db
    .updateTable('inbox_events')
    .set({
      processed_at: null,
      parked_at: null,
      attempts: 0,
      received_at: sql<Date>`now()`,
    })
    .where((eb) =>
      eb.or([
        eb('parked_at', 'is not', null),
        eb.and([eb('processed_at', 'is not', null), eb('last_error', 'is not', null)]),
      ]),
    );
  query =
    ids === 'all-parked'
      ? query.where('parked_at', 'is not', null).where('processed_at', 'is', null)
      : query.where('id', 'in', ids.length ? ids : [-1]);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

/** Ends parked events without applying them: kept as rejected, with who said so. Returns their ids. */
export async function discardInboxEvents(
  db: Db,
  ids: number[] | 'all-parked',
  reason: string,
): Promise<number[]> {
  let query = db
    .updateTable('inbox_events')
    .set({
      processed_at: sql<Date>`now()`,
      last_error: sql<string>`${`discarded: ${reason}; last error: `} || coalesce(last_error, '')`,
    })
    .where('processed_at', 'is', null)
    .where('parked_at', 'is not', null);
  if (ids !== 'all-parked') query = query.where('id', 'in', ids.length ? ids : [-1]);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id);
}

/**
 * Stores an event unless one with the same source and dedupe key exists (then undefined: nothing
 * was written).
 */
export async function insertInboxEventOnce(
  db: Executor,
  event: { source: string; dedupeKey: string; type: string; payload: Record<string, unknown> },
): Promise<{ id: number; processed_at: Date | null } | undefined> {
  return db
    .insertInto('inbox_events')
    .values({
      source: event.source,
      dedupe_key: event.dedupeKey,
      type: event.type,
      payload: JSON.stringify(event.payload),
    })
    .onConflict((oc) => oc.columns(['source', 'dedupe_key']).doNothing())
    .returning(['id', 'processed_at'])
    .executeTakeFirst();
}

/** The event stored under a source and dedupe key; throws when there is none. */
export async function inboxEventByDedupeKey(
  db: Executor,
  source: string,
  dedupeKey: string,
): Promise<Pick<InboxEventRow, 'id' | 'processed_at' | 'payload'>> {
  return db
    .selectFrom('inbox_events')
    .select(['id', 'processed_at', 'payload'])
    .where('source', '=', source)
    .where('dedupe_key', '=', dedupeKey)
    .executeTakeFirstOrThrow();
}

/** The processor's retry schedule (src/inbox/processor.ts), which decides when an event is due. */
export interface InboxRetrySchedule {
  baseSeconds: number;
  maxDelaySeconds: number;
  /** Doublings before the delay reaches its cap. */
  uncappedSteps: number;
}

/** When a pending event is due, in SQL over the row's `received_at` and `attempts`. */
const dueAt = (r: InboxRetrySchedule) => sql<Date>`received_at + make_interval(secs => CASE
  WHEN attempts <= ${r.uncappedSteps} THEN ${r.baseSeconds}::float8 * (power(2, attempts) - 1)
  ELSE ${r.baseSeconds * (2 ** r.uncappedSteps - 1)}::float8 + ${r.maxDelaySeconds}::float8 * (attempts - ${r.uncappedSteps}) END)`;

/**
 * Locks one pending event (FOR UPDATE SKIP LOCKED), whatever its backoff. Undefined: not pending,
 * or locked by another transaction.
 */
export async function claimPendingInboxEvent(
  db: Executor,
  id: number,
): Promise<InboxEventRow | undefined> {
  return db
    .selectFrom('inbox_events')
    .selectAll()
    .where('processed_at', 'is', null)
    .where('parked_at', 'is', null)
    .where('id', '=', id)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/**
 * Locks up to `limit` pending events due at `now`, oldest first, leaving out `exclude` and those
 * another transaction holds (FOR UPDATE SKIP LOCKED).
 */
export async function claimDueInboxEvents(
  db: Executor,
  opts: { now?: Date; exclude: number[]; limit: number; schedule: InboxRetrySchedule },
): Promise<InboxEventRow[]> {
  let query = db
    .selectFrom('inbox_events')
    .selectAll()
    .where('processed_at', 'is', null)
    .where('parked_at', 'is', null)
    // Without a given time, the database's clock: received_at is written by it to the
    // microsecond, and a JavaScript Date (milliseconds) can fall just before an event stored a
    // moment ago, leaving it for the next poll.
    .where(dueAt(opts.schedule), '<=', opts.now ?? sql<Date>`now()`);
  if (opts.exclude.length) query = query.where('id', 'not in', opts.exclude);
  return query.orderBy('id').limit(opts.limit).forUpdate().skipLocked().execute();
}

/** The outcome of an attempt to apply an event, as recorded on its row. */
export interface InboxAttemptOutcome {
  status: 'applied' | 'rejected' | 'failed' | 'parked';
  /** Attempts so far, this one included. */
  attempts: number;
  error?: string;
}

function lastErrorOf(outcome: InboxAttemptOutcome): string | undefined {
  if (outcome.status === 'applied') return undefined;
  return outcome.status === 'rejected' ? `rejected: ${outcome.error}` : outcome.error;
}

/**
 * Records the outcomes of attempts on their rows, in one statement: applied and rejected get
 * processed_at, parked gets parked_at, the others stay pending with their error.
 */
export async function recordInboxAttempts(
  db: Executor,
  outcomes: readonly (InboxAttemptOutcome & { id: number })[],
): Promise<void> {
  if (!outcomes.length) return;
  const payload = JSON.stringify(
    outcomes.map((o) => ({
      id: o.id,
      attempts: o.attempts,
      done: o.status === 'applied' || o.status === 'rejected',
      parked: o.status === 'parked',
      // jsonb cannot hold NUL, which an error quoting the event could carry.
      last_error: lastErrorOf(o)?.replaceAll('\u0000', '') ?? null,
    })),
  );
  await sql`
    UPDATE inbox_events AS e SET
      attempts = v.attempts,
      processed_at = CASE WHEN v.done THEN now() END,
      parked_at = CASE WHEN v.parked THEN now() END,
      last_error = v.last_error
    FROM jsonb_to_recordset(${payload}::jsonb)
      AS v(id bigint, attempts integer, done boolean, parked boolean, last_error text)
    WHERE e.id = v.id`.execute(db);
}
