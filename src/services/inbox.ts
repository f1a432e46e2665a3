/**
 * The inbox for the operator (`boomerang inbox`): counts by state, the events of a state, one
 * event with its payload, and retrying or discarding parked ones; the same for the journeys the
 * applied events queued to start.
 */
import type { Db } from '../db/database.js';
import {
  countInboxByState,
  findInboxEvent,
  type InboxState,
  inboxStateOf,
  listInboxEvents,
} from '../db/inbox.js';
import type { InboxEventRow } from '../db/schema.js';
import { startQueueStatus, type StartQueueStatus } from '../db/start-queue.js';

export type { StartQueueStatus } from '../db/start-queue.js';
export {
  discardParkedStarts,
  listQueuedStarts,
  type QueuedStart,
  retryParkedStarts,
  START_STATES,
  startCountsByState,
  startQueueStatus,
  type StartState,
} from '../db/start-queue.js';
export {
  discardInboxEvents,
  INBOX_STATES,
  type InboxState,
  retryInboxEvents,
} from '../db/inbox.js';

export interface InboxEventView {
  id: number;
  state: InboxState;
  source: string;
  type: string;
  dedupeKey: string;
  receivedAt: Date;
  attempts: number;
  parkedAt: Date | null;
  processedAt: Date | null;
  error: string | null;
}

const view = (row: InboxEventRow): InboxEventView => ({
  id: row.id,
  state: inboxStateOf(row),
  source: row.source,
  type: row.type,
  dedupeKey: row.dedupe_key,
  receivedAt: row.received_at,
  attempts: row.attempts,
  parkedAt: row.parked_at,
  processedAt: row.processed_at,
  error: row.last_error,
});

/**
 * How many events are in each state, the newest `limit` events of `state`, and the journeys the
 * applied events entered that wait in the start queue.
 */
export async function inboxOverview(
  db: Db,
  state: InboxState,
  limit: number,
): Promise<{
  counts: Record<InboxState, number>;
  events: InboxEventView[];
  startQueue: StartQueueStatus;
}> {
  const [counts, rows, startQueue] = await Promise.all([
    countInboxByState(db),
    listInboxEvents(db, state, limit),
    startQueueStatus(db),
  ]);
  return { counts, events: rows.map(view), startQueue };
}

/** One event with the payload as received; undefined when there is no such event. */
export async function inboxEvent(
  db: Db,
  id: number,
): Promise<(InboxEventView & { payload: unknown }) | undefined> {
  const row = await findInboxEvent(db, id);
  return row && { ...view(row), payload: row.payload };
}

/** The ids no inbox event has (a typo), told apart from events in another state. */
export async function unknownInboxEventIds(db: Db, ids: readonly number[]): Promise<number[]> {
  const unknown: number[] = [];
  for (const id of ids) if (!(await findInboxEvent(db, id))) unknown.push(id);
  return unknown;
}
