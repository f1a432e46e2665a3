/**
 * The send log (`messages`), the email batches (`message_batches`) and the shared provider rate
 * limit (`provider_rate_limits`). Every query of the sending path lives here.
 */
import { createHash } from 'node:crypto';
import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type {
  Channel,
  ContactRow,
  Database,
  MessageBatchRow,
  MessageRow,
  MessagesTable,
} from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function findMessageByKey(
  db: Executor,
  idempotencyKey: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

/** The journey event a previous attempt of a step recorded about its message, if any. */
export async function findMessageEvent(
  db: Executor,
  eventKey: string,
): Promise<{ type: string; detail: Record<string, unknown> } | undefined> {
  return db
    .selectFrom('journey_events')
    .select(['type', 'detail'])
    .where('idempotency_key', '=', eventKey)
    .executeTakeFirst();
}

/** The contact a message goes to; `forUpdate` locks it until the transaction ends. */
export async function findRecipient(
  db: Executor,
  contactId: number,
  options: { forUpdate?: boolean } = {},
): Promise<ContactRow | undefined> {
  let query = db.selectFrom('contacts').selectAll().where('id', '=', contactId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * The key prefix of a test send (`boomerang campaign test-send`): such a message belongs to no
 * journey, and the frequency cap, reports and metrics leave it out.
 */
export const TEST_SEND_KEY_PREFIX = 'test-send:';

/** Claims a message (status 'sending'); undefined when another attempt claimed the same key first. */
export async function claimMessage(
  db: Executor,
  values: Insertable<Database['messages']>,
): Promise<MessageRow | undefined> {
  return db
    .insertInto('messages')
    .values(values)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function markMessageSent(
  db: Executor,
  id: number,
  providerMessageId: string,
  at: Date,
): Promise<void> {
  await updateWhileSending(db, id, {
    status: 'sent',
    provider_message_id: providerMessageId,
    sent_at: at,
    error: null,
  });
}

export async function markMessageFailed(db: Executor, id: number, error: string): Promise<void> {
  await updateWhileSending(db, id, { status: 'failed', error });
}

/** Keeps the last retryable error on a message still being sent. */
export async function noteMessageError(db: Executor, id: number, error: string): Promise<void> {
  await updateWhileSending(db, id, { error });
}

/** Writes to a message only while it is being sent: a late or retried write never undoes an outcome. */
async function updateWhileSending(
  db: Executor,
  id: number,
  values: Updateable<MessagesTable>,
): Promise<void> {
  await db
    .updateTable('messages')
    .set(values)
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .execute();
}

export interface MessageOutcome {
  id: number;
  status: 'sent' | 'failed';
  providerMessageId: string | null;
  error: string | null;
}

/** Of these messages, the ones whose send is settled (sent or failed). */
export async function settledMessages(db: Executor, ids: number[]): Promise<MessageOutcome[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'status', 'provider_message_id', 'error'])
    .where(sql<boolean>`id = any(${ids}::bigint[])`)
    .where('status', '<>', 'sending')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status as 'sent' | 'failed',
    providerMessageId: r.provider_message_id,
    error: r.error,
  }));
}

export interface RecentMessagesOptions {
  /** Leave out this message (the one being sent). */
  excludeKey?: string;
  /**
   * Also count messages another step is sending right now (status 'sending', by when they were
   * claimed), so that two campaigns reaching the same contact at once cannot both slip under the
   * cap. Default true.
   */
  includeInFlight?: boolean;
  /** At most this many, the most recent. */
  limit?: number;
}

/** When the contact's messages sent after `since` went out, most recent first. */
export async function recentMessageTimes(
  db: Executor,
  contactId: number,
  since: Date,
  options: RecentMessagesOptions = {},
): Promise<Date[]> {
  let query = db
    .selectFrom('messages')
    .select((eb) => eb.fn.coalesce('sent_at', 'created_at').as('at'))
    .where('contact_id', '=', contactId)
    .where('idempotency_key', 'not like', `${TEST_SEND_KEY_PREFIX}%`)
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'sent'), eb('sent_at', '>', since)]),
        ...(options.includeInFlight === false
          ? []
          : [eb.and([eb('status', '=', 'sending'), eb('created_at', '>', since)])]),
      ]),
    )
    .orderBy('at', 'desc');
  if (options.excludeKey !== undefined)
    query = query.where('idempotency_key', '<>', options.excludeKey);
  if (options.limit !== undefined) query = query.limit(options.limit);
  const rows = await query.execute();
  return rows.map((r) => new Date(r.at as Date | string));
}

/**
 * The priorities of the contact's messages that wait for the frequency cap to free a slot: delayed
 * (a `message_delayed` event for the cap), neither sent nor dropped since (no final event under
 * their message key), their delay limit not passed, and their journey not over.
 */
export async function waitingCappedPriorities(
  db: Executor,
  contactId: number,
  now: Date,
  excludeMessageKey: string,
): Promise<number[]> {
  const rows = await db
    .selectFrom('journey_events as e')
    .innerJoin('journeys as j', 'j.workflow_id', 'e.workflow_id')
    .select(sql<number>`max((e.detail->>'priority')::int)`.as('priority'))
    .where('e.contact_id', '=', contactId)
    .where('e.type', '=', 'message_delayed')
    .where('j.ended_at', 'is', null)
    .where(sql<boolean>`e.detail->>'reason' = 'frequency_cap'`)
    .where(sql<boolean>`(e.detail->>'delayUntil')::timestamptz > ${now}`)
    .where(sql<boolean>`e.detail->>'messageKey' <> ${excludeMessageKey}`)
    .where(
      sql<boolean>`NOT EXISTS (SELECT 1 FROM journey_events m WHERE m.idempotency_key = e.detail->>'messageKey')`,
    )
    .groupBy(sql`e.detail->>'messageKey'`)
    .execute();
  return rows.map((r) => Number(r.priority));
}

// --- batches -------------------------------------------------------------------------------

/**
 * The idempotency key of a batch: a digest of its members' keys, so the same emails always go
 * under the same key, and a fresh database cannot reuse a key the provider still remembers.
 */
export function batchIdempotencyKey(memberKeys: string[]): string {
  const digest = createHash('sha256')
    .update([...memberKeys].sort().join('\n'))
    .digest('hex');
  return `boomerang-batch-${digest.slice(0, 40)}`;
}

export interface LeasedBatch {
  batch: MessageBatchRow;
  messages: MessageRow[];
}

async function membersOf(db: Executor, batchId: number): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('batch_id', '=', batchId)
    .orderBy('id')
    .execute();
}

/**
 * A batch some sender started and did not finish in time (it crashed, or its request hangs), now
 * leased to the caller: it must be sent again, same members, same key.
 */
export async function leaseAbandonedBatch(
  db: Kysely<Database>,
  channel: Channel,
  provider: string,
  leaseMs: number,
): Promise<LeasedBatch | undefined> {
  const batch = await db
    .updateTable('message_batches')
    .set({
      leased_until: sql`clock_timestamp() + make_interval(secs => ${leaseMs / 1000})`,
      attempts: sql`attempts + 1`,
    })
    .where(
      'id',
      '=',
      db
        .selectFrom('message_batches')
        .select('id')
        .where('status', '=', 'sending')
        .where('channel', '=', channel)
        .where('provider', '=', provider)
        .where('leased_until', '<', sql<Date>`clock_timestamp()`)
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .executeTakeFirst();
  if (!batch) return undefined;
  return { batch, messages: await membersOf(db, batch.id) };
}

/**
 * Gathers up to `max` queued messages of the channel into a new batch, recorded with its key
 * before any request is made. Undefined when nothing waits.
 */
export async function formBatch(
  db: Kysely<Database>,
  channel: Channel,
  provider: string,
  max: number,
  leaseMs: number,
): Promise<LeasedBatch | undefined> {
  return db.transaction().execute(async (trx) => {
    const queued = await trx
      .selectFrom('messages')
      .selectAll()
      .where('channel', '=', channel)
      .where('provider', '=', provider)
      .where('status', '=', 'sending')
      .where('batch_id', 'is', null)
      .orderBy('id')
      .limit(max)
      .forUpdate()
      .skipLocked()
      .execute();
    if (queued.length === 0) return undefined;
    const batch = await trx
      .insertInto('message_batches')
      .values({
        channel,
        provider,
        idempotency_key: batchIdempotencyKey(queued.map((m) => m.idempotency_key)),
        status: 'sending',
        size: queued.length,
        attempts: 1,
        leased_until: sql`clock_timestamp() + make_interval(secs => ${leaseMs / 1000})`,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('messages')
      .set({ batch_id: batch.id })
      .where(
        'id',
        'in',
        queued.map((m) => m.id),
      )
      .execute();
    return { batch, messages: queued.map((m) => ({ ...m, batch_id: batch.id })) };
  });
}

/** Whether a sender has anything to do: a queued message or an abandoned batch. */
export async function hasSendWork(
  db: Kysely<Database>,
  channel: Channel,
  provider: string,
): Promise<boolean> {
  const { rows } = await sql<{ work: boolean }>`
    SELECT EXISTS (SELECT 1 FROM messages WHERE channel = ${channel} AND provider = ${provider}
                     AND status = 'sending' AND batch_id IS NULL)
        OR EXISTS (SELECT 1 FROM message_batches WHERE channel = ${channel} AND provider = ${provider}
                     AND status = 'sending' AND leased_until < clock_timestamp()) AS work`.execute(
    db,
  );
  return rows[0]?.work ?? false;
}

/** Holds a batch back until `leaseMs` from now (its retry's backoff), keeping its last error. */
export async function extendBatchLease(
  db: Executor,
  batchId: number,
  leaseMs: number,
  error: string | null,
): Promise<void> {
  await db
    .updateTable('message_batches')
    .set({
      leased_until: sql`clock_timestamp() + make_interval(secs => ${leaseMs / 1000})`,
      error,
    })
    .where('id', '=', batchId)
    .where('status', '=', 'sending')
    .execute();
}

export type MemberOutcome =
  | { messageId: number; ok: true; providerMessageId: string }
  | { messageId: number; ok: false; reason: string };

/** Records what the provider said about each member of a batch, and closes the batch. */
export async function finishBatch(
  db: Kysely<Database>,
  batchId: number,
  outcomes: MemberOutcome[],
  batchError: string | null = null,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const at = new Date();
    const sent = outcomes.filter((o) => o.ok);
    if (sent.length > 0) {
      // One statement for the whole batch: at 100 emails per request, one round trip, not 100.
      await sql`
        UPDATE messages AS m
           SET status = 'sent', provider_message_id = v.provider_id, sent_at = ${at}, error = NULL
          FROM (SELECT unnest(${sent.map((o) => o.messageId)}::bigint[]) AS id,
                       unnest(${sent.map((o) => (o.ok ? o.providerMessageId : ''))}::text[]) AS provider_id) AS v
         WHERE m.id = v.id AND m.status = 'sending'`.execute(trx);
    }
    for (const o of outcomes) if (!o.ok) await markMessageFailed(trx, o.messageId, o.reason);
    await trx
      .updateTable('message_batches')
      .set({
        status: sent.length > 0 || outcomes.length === 0 ? 'sent' : 'failed',
        finished_at: at,
        error: batchError,
      })
      .where('id', '=', batchId)
      .execute();
  });
}

// --- the shared rate limit -----------------------------------------------------------------

/**
 * Reserves the next request slot of a channel, shared by every process using the database: each
 * caller takes the next free slot and pushes it 1/rate later. Returns how long to wait for it.
 * A provider's 429 pauses the schedule and halves the rate (`factor`), which recovers on success.
 */
export async function reserveRequestSlot(
  db: Kysely<Database>,
  channel: string,
  requestsPerSecond: number,
): Promise<number> {
  const { rows } = await sql<{ wait_ms: number }>`
    WITH ensured AS (
      INSERT INTO provider_rate_limits (channel) VALUES (${channel}) ON CONFLICT DO NOTHING
    )
    UPDATE provider_rate_limits
       SET next_slot_at = greatest(next_slot_at, paused_until, clock_timestamp())
                          + make_interval(secs => 1.0 / (${requestsPerSecond}::float8 * factor))
     WHERE channel = ${channel}
    RETURNING (extract(epoch FROM next_slot_at - clock_timestamp()) * 1000
               - 1000.0 / (${requestsPerSecond}::float8 * factor))::float8 AS wait_ms`.execute(db);
  // The first call of a channel creates its row (the CTE's insert is not visible to the update).
  if (rows.length === 0) return reserveRequestSlot(db, channel, requestsPerSecond);
  return Math.max(0, rows[0]!.wait_ms);
}

/** The provider said "too many requests": nobody sends before `pauseMs`, and slower after. */
export async function slowDownChannel(
  db: Kysely<Database>,
  channel: string,
  pauseMs: number,
): Promise<void> {
  await db
    .updateTable('provider_rate_limits')
    .set({
      paused_until: sql`greatest(paused_until, clock_timestamp() + make_interval(secs => ${pauseMs / 1000}))`,
      factor: sql`greatest(0.125, factor * 0.5)`,
    })
    .where('channel', '=', channel)
    .execute();
}

/** A request went through: the rate creeps back up towards the configured one. */
export async function speedUpChannel(db: Kysely<Database>, channel: string): Promise<void> {
  await db
    .updateTable('provider_rate_limits')
    .set({ factor: sql`least(1, factor * 1.25)` })
    .where('channel', '=', channel)
    .where('factor', '<', 1)
    .execute();
}
