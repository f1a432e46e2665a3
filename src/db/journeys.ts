/** Journeys (one row per contact enrolment) and their event log. Every write is idempotent. */
import { type QueryCreator, sql, type Transaction, type Updateable } from 'kysely';
import { type Executor, inTransaction } from './database.js';
import type { Database, JourneysTable } from './schema.js';
import { camelCaseKeys } from './rows.js';

/** The journey a row belongs to: its journey row and every event name all three. */
export interface JourneyOf {
  workflowId: string;
  campaignId: string;
  contactId: number;
}

function journeyOfColumns(j: JourneyOf) {
  return { workflow_id: j.workflowId, campaign_id: j.campaignId, contact_id: j.contactId };
}

export interface JourneyEventInput extends JourneyOf {
  /** Idempotency key: the same key is recorded once, however often the write is retried. */
  key: string;
  type: string;
  step?: string;
  detail?: Record<string, unknown>;
  at?: Date;
}

function journeyEventRow(event: JourneyEventInput) {
  return {
    ...journeyOfColumns(event),
    idempotency_key: event.key,
    type: event.type,
    step: event.step ?? null,
    detail: JSON.stringify(event.detail ?? {}),
    occurred_at: event.at,
  };
}

export async function recordJourneyEvent(db: Executor, event: JourneyEventInput): Promise<void> {
  await recordJourneyEvents(db, [event]);
}

/** Several events in one statement (a node's entry and what it did). */
export async function recordJourneyEvents(
  db: Executor,
  events: JourneyEventInput[],
): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('journey_events')
    .values(events.map(journeyEventRow))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}

/** A journey as enrolled: its row, written once. */
export interface JourneyEnrollment extends JourneyOf {
  holdout: boolean;
  definitionVersion?: number;
  at?: Date;
}

/** A journey's row, unless it is there (its starter reserves it before the journey writes it). */
function insertJourney(q: QueryCreator<Database>, j: JourneyEnrollment) {
  return q
    .insertInto('journeys')
    .values({
      ...journeyOfColumns(j),
      holdout: j.holdout,
      definition_version: j.definitionVersion,
      enrolled_at: j.at,
    })
    .onConflict((oc) => oc.column('workflow_id').doNothing());
}

/** The journey's row and its `enrolled` event, in one statement: enrolment is every journey's first write. */
export async function recordEnrollment(
  db: Executor,
  j: JourneyEnrollment,
  event: JourneyEventInput,
): Promise<void> {
  await db
    .with('journey', (q) => insertJourney(q, j))
    .insertInto('journey_events')
    .values(journeyEventRow(event))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
}

/** A journey took a newer definition version; a retried or late write never moves it back. */
export async function recordJourneyVersion(
  db: Executor,
  workflowId: string,
  version: number,
): Promise<void> {
  await db
    .updateTable('journeys')
    .set({ definition_version: version })
    .where('workflow_id', '=', workflowId)
    .where('definition_version', '<', version)
    .execute();
}

/** The longest failure a journey row keeps (an error's message and causes can run long). */
const FAILURE_MAX_CHARS = 2000;

/** The journey ended with `reason`; false (a no-op) once it ended. */
export async function recordJourneyEnd(
  db: Executor,
  workflowId: string,
  reason: string,
  at = new Date(),
): Promise<boolean> {
  return endJourneyOnce(db, workflowId, { ended_at: at, end_reason: reason });
}

/** The journey ended by a failure (end_reason 'failed'), with the error; a no-op once it ended. */
export async function recordJourneyFailure(
  db: Executor,
  workflowId: string,
  failure: string,
  at = new Date(),
): Promise<boolean> {
  return endJourneyOnce(db, workflowId, {
    ended_at: at,
    end_reason: 'failed',
    failure: failure.slice(0, FAILURE_MAX_CHARS),
  });
}

/** How a journey's own workflow run ended it: a reason, and the error when it failed. */
export interface OwnJourneyEnd {
  workflowId: string;
  runId: string;
  reason: string;
  failure?: string;
  at?: Date;
}

/**
 * A journey's workflow records its own end and its `ended` event. It replaces an end any run of the
 * journey wrote before (`ended_by_run` set):
 * - the same run's, written by a workflow task that was discarded after its local activity wrote
 *   (its worker died, it timed out, or Temporal refused to close the workflow because a signal came
 *   in during the task), when the retried task took another path (it sees the signal);
 * - an earlier run's, when an operator reset the workflow (Web UI, `temporal workflow reset`):
 *   journeys start with REJECT_DUPLICATE, so every run of the workflow id is the same journey, and
 *   the reset run's end is what the journey did in the end.
 * So only the latest run's latest end agrees with the workflow's result. A retry of the same end by
 * the same run keeps the first time. An end written by `campaign stop`'s settlement, or before runs
 * were recorded (`ended_by_run` null), is left as it is.
 */
export async function recordOwnJourneyEnd(
  db: Executor,
  end: OwnJourneyEnd,
  event: JourneyEventInput,
): Promise<void> {
  const failure = end.failure?.slice(0, FAILURE_MAX_CHARS) ?? null;
  await inTransaction(db, async (trx) => {
    const written = await trx
      .updateTable('journeys')
      .set((eb) => ({
        ended_at: eb
          .case()
          .when(
            eb.and([
              eb('ended_by_run', '=', end.runId),
              eb('end_reason', '=', end.reason),
              eb('failure', 'is not distinct from', failure),
            ]),
          )
          .then(eb.ref('ended_at'))
          .else(end.at ?? new Date())
          .end(),
        end_reason: end.reason,
        failure,
        ended_by_run: end.runId,
      }))
      .where('workflow_id', '=', end.workflowId)
      // An earlier run does not write after a later one, but from a local activity already under
      // way when it closed: a reset terminates the running run before its new run starts (a
      // continue-as-new closes it too), and the new run gets through a workflow task of its own
      // before it ends. That is the late write the same-run rule already allows a discarded task.
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_by_run', 'is not', null)]))
      .returning('ended_at')
      .executeTakeFirst();
    const row = journeyEventRow({ ...event, at: written?.ended_at ?? event.at });
    await trx
      .insertInto('journey_events')
      .values(row)
      .onConflict((oc) =>
        written
          ? oc.column('idempotency_key').doUpdateSet({
              detail: (eb) => eb.ref('excluded.detail'),
              occurred_at: (eb) => eb.ref('excluded.occurred_at'),
            })
          : oc.column('idempotency_key').doNothing(),
      )
      .execute();
  });
}

/**
 * Writes how a journey ended, once (`campaign stop`'s settlement of closed workflows): a retried
 * or late write never changes an ending.
 */
async function endJourneyOnce(
  db: Executor,
  workflowId: string,
  ending: Pick<Updateable<JourneysTable>, 'ended_at' | 'end_reason' | 'failure'>,
): Promise<boolean> {
  const result = await db
    .updateTable('journeys')
    .set(ending)
    .where('workflow_id', '=', workflowId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Workflow ids of the journeys of a campaign that have not ended, as far as the table knows (it
 * answers at once, where Temporal's visibility may lag behind).
 */
export async function openJourneyIds(db: Executor, of: { campaignId: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('journeys')
    .select('workflow_id')
    .where('campaign_id', '=', of.campaignId)
    .where('ended_at', 'is', null)
    .orderBy('workflow_id')
    .execute();
  return rows.map((r) => r.workflow_id);
}

/**
 * How long after its run wrote its end a journey's workflow may still be open, so that a signal
 * can still change how it ends. The run writes its end from inside a workflow task; when that task
 * is discarded, Temporal hands it out again at once (it refused the completion for a signal), after
 * the workflow task timeout (10 s, the default journeys keep) when its worker died and another
 * polls, or once a worker is back: `npm start` restarts a dead one within 30 s, an orchestrator or
 * a deploy within minutes. An hour covers these with room to spare, and the seconds by which the
 * worker's clock (ended_at) may differ from the database's; a journey that closed meanwhile costs
 * one refused signal. With no worker for longer than that, a journey misses what came meanwhile.
 */
export const ENDED_JOURNEY_MAY_RUN = '1 hour';

/**
 * The journey row `table` may still take a signal: it has not ended, or its own run wrote its end
 * less than ENDED_JOURNEY_MAY_RUN ago by the database's clock (an end the settlement wrote is of a
 * workflow Temporal had closed).
 */
export function mayTakeSignals(table: string) {
  const column = (name: string) => sql.ref(`${table}.${name}`);
  return sql<boolean>`(${column('ended_at')} IS NULL OR (${column('ended_by_run')} IS NOT NULL
    AND ${column('ended_at')} > now() - ${ENDED_JOURNEY_MAY_RUN}::interval))`;
}

/**
 * Workflow ids of a contact's journeys that a signal may still reach (mayTakeSignals), from the
 * table: it answers at once, where Temporal's visibility may lag behind.
 */
export async function reachableJourneyIds(db: Executor, contactId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('journeys')
    .select('workflow_id')
    .where('contact_id', '=', contactId)
    .where(mayTakeSignals('journeys'))
    .orderBy('workflow_id')
    .execute();
  return rows.map((r) => r.workflow_id);
}

/** Journeys of one contact, newest first (without the bookkeeping of which run recorded the end). */
export async function journeysOfContact(db: Executor, contactId: number) {
  const rows = await db
    .selectFrom('journeys')
    .select([
      'workflow_id',
      'campaign_id',
      'contact_id',
      'holdout',
      'enrolled_at',
      'ended_at',
      'end_reason',
      'definition_version',
      'failure',
    ])
    .where('contact_id', '=', contactId)
    .orderBy('enrolled_at', 'desc')
    .execute();
  return rows.map(camelCaseKeys);
}

/** The nodes the journeys entered, as their `step_entered` events record them, oldest first. */
export async function stepsEntered(
  db: Executor,
  workflowIds: readonly string[],
): Promise<
  { workflowId: string; step: string; at: Date; arm?: string; definitionVersion?: number }[]
> {
  if (workflowIds.length === 0) return [];
  const rows = await db
    .selectFrom('journey_events')
    .select(['workflow_id', 'step', 'occurred_at', 'detail'])
    .where('workflow_id', 'in', workflowIds)
    .where('type', '=', 'step_entered')
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const detail = (r.detail ?? {}) as { arm?: unknown; definitionVersion?: unknown };
    return {
      workflowId: r.workflow_id,
      step: r.step ?? 'unknown',
      at: r.occurred_at,
      ...(typeof detail.arm === 'string' ? { arm: detail.arm } : {}),
      ...(typeof detail.definitionVersion === 'number'
        ? { definitionVersion: detail.definitionVersion }
        : {}),
    };
  });
}

/**
 * When each of a contact's journeys in one campaign ended (null while it runs), oldest first; a
 * start still queued (src/db/start-queue.ts) counts as a running journey entered when queued.
 */
export async function journeyEntries(
  db: Executor,
  campaignId: string,
  contactId: number,
): Promise<{ workflowId: string; enrolledAt: Date; endedAt: Date | null }[]> {
  const { rows } = await sql<{ workflow_id: string; enrolled_at: Date; ended_at: Date | null }>`
    SELECT workflow_id, enrolled_at, ended_at FROM journeys
     WHERE campaign_id = ${campaignId} AND contact_id = ${contactId}
    UNION ALL
    SELECT s.workflow_id, s.enqueued_at, NULL FROM journey_starts s
     WHERE s.campaign_id = ${campaignId} AND s.contact_id = ${contactId}
       AND NOT EXISTS (SELECT 1 FROM journeys j WHERE j.workflow_id = s.workflow_id)
    ORDER BY enrolled_at`.execute(db);
  return rows.map((r) => ({
    workflowId: r.workflow_id,
    enrolledAt: r.enrolled_at,
    endedAt: r.ended_at,
  }));
}

/** Per campaign: how many journeys were enrolled and how many of them have ended. */
export async function journeyCountsByCampaign(
  db: Executor,
): Promise<Map<string, { enrolled: number; ended: number }>> {
  const rows = await db
    .selectFrom('journeys')
    .select((eb) => [
      'campaign_id',
      eb.fn.countAll<number>().as('enrolled'),
      eb.fn.count<number>('ended_at').as('ended'),
    ])
    .groupBy('campaign_id')
    .execute();
  return new Map(
    rows.map((r) => [r.campaign_id, { enrolled: Number(r.enrolled), ended: Number(r.ended) }]),
  );
}

/**
 * Serialises the enrolments of one contact in one campaign until the transaction ends, so a rule
 * "at most one journey per contact" holds when two events of the contact are applied at once.
 */
export async function lockEnrolment(
  trx: Transaction<Database>,
  campaignId: string,
  contactId: number,
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`enrol:${campaignId}`}), ${contactId}::int)`.execute(
    trx,
  );
}

/**
 * The row of a journey just started, written by its starter so the next enrolment check sees it
 * at once; the journey's own enrolment write then finds it (and adds its `enrolled` event).
 */
export async function reserveJourney(db: Executor, j: JourneyEnrollment): Promise<void> {
  await insertJourney(db, j).execute();
}
