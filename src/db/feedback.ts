/**
 * Provider feedback (`message_feedback`) and the addresses no marketing message may go to
 * (`suppressions`). Addresses are compared case-insensitively; a suppression is in force while
 * `lifted_at` is null, and at most one per channel and address is.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import type { Executor } from './database.js';
import type { Database, SuppressionRow } from './schema.js';

export interface NewFeedback {
  provider: string;
  /** Unique per provider event: a webhook delivered twice is recorded once. */
  eventKey: string;
  channel: string;
  type: string;
  address: string | null;
  providerMessageId: string | null;
  detail: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * Records a feedback event against the message the provider names (by its id, if Boomerang sent
 * it). `recorded` is false when the same event was recorded before.
 */
export async function recordFeedback(
  db: Executor,
  feedback: NewFeedback,
): Promise<{ recorded: boolean; messageId: number | null }> {
  const messageId = feedback.providerMessageId
    ? ((
        await db
          .selectFrom('messages')
          .select('id')
          .where('provider_message_id', '=', feedback.providerMessageId)
          .where('channel', '=', feedback.channel)
          .orderBy('id')
          .limit(1)
          .executeTakeFirst()
      )?.id ?? null)
    : null;
  const inserted = await db
    .insertInto('message_feedback')
    .values({
      provider: feedback.provider,
      event_key: feedback.eventKey,
      channel: feedback.channel,
      type: feedback.type,
      address: feedback.address,
      provider_message_id: feedback.providerMessageId,
      message_id: messageId,
      detail: JSON.stringify(feedback.detail),
      occurred_at: feedback.occurredAt,
    })
    .onConflict((oc) => oc.column('event_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { recorded: inserted !== undefined, messageId };
}

/**
 * The feedback recorded for a message, oldest first: by its id, or by the provider's id when the
 * feedback was applied before the send recorded that id (a webhook can beat the provider's answer).
 */
export async function feedbackOfMessage(db: Executor, messageId: number) {
  return db
    .selectFrom('message_feedback as f')
    .select(['f.type', 'f.provider', 'f.detail', 'f.occurred_at'])
    .where((eb) =>
      eb.or([
        eb('f.message_id', '=', messageId),
        eb.and([
          eb('f.message_id', 'is', null),
          eb(
            'f.provider_message_id',
            '=',
            eb.selectFrom('messages').select('provider_message_id').where('id', '=', messageId),
          ),
        ]),
      ]),
    )
    .orderBy('f.occurred_at')
    .orderBy('f.id')
    .execute();
}

/**
 * Feedback events of a type for an address since `since`, leaving out those before the address's
 * last lifted suppression (an unsuppressed address starts counting again).
 */
export async function countFeedbackSince(
  db: Executor,
  channel: string,
  address: string,
  type: string,
  since: Date,
): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM message_feedback
     WHERE channel = ${channel} AND lower(address) = lower(${address}) AND type = ${type}
       AND occurred_at >= ${since}
       AND occurred_at > coalesce((SELECT max(lifted_at) FROM suppressions
                                    WHERE channel = ${channel} AND lower(address) = lower(${address})),
                                  '-infinity'::timestamptz)`.execute(db);
  return rows[0]?.n ?? 0;
}

export interface NewSuppression {
  channel: string;
  address: string;
  reason: string;
  source: string;
  detail: Record<string, unknown>;
}

/** Suppresses an address unless it already is; true when this call suppressed it. */
export async function suppressAddress(db: Executor, s: NewSuppression): Promise<boolean> {
  const { rows } = await sql<{ id: number }>`
    INSERT INTO suppressions (channel, address, reason, source, detail)
    VALUES (${s.channel}, ${s.address.toLowerCase()}, ${s.reason}, ${s.source}, ${JSON.stringify(s.detail)}::jsonb)
    ON CONFLICT (channel, lower(address)) WHERE lifted_at IS NULL DO NOTHING
    RETURNING id`.execute(db);
  return rows.length > 0;
}

/** The suppression in force for an address: on its channel, in any letter case, not lifted. */
function inForce(channel: string, address: string) {
  return (eb: ExpressionBuilder<Database, 'suppressions'>) =>
    eb.and([
      eb('channel', '=', channel),
      eb(sql<string>`lower(address)`, '=', address.toLowerCase()),
      eb('lifted_at', 'is', null),
    ]);
}

/** The suppression in force for an address, if any. */
export async function suppressionOf(
  db: Executor,
  channel: string,
  address: string,
): Promise<SuppressionRow | undefined> {
  return db
    .selectFrom('suppressions')
    .selectAll()
    .where(inForce(channel, address))
    .executeTakeFirst();
}

/** Suppressions in force (and lifted ones too when asked), newest first. */
export async function listSuppressions(
  db: Executor,
  opts: { includeLifted?: boolean } = {},
): Promise<SuppressionRow[]> {
  let query = db.selectFrom('suppressions').selectAll();
  if (!opts.includeLifted) query = query.where('lifted_at', 'is', null);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Lifts the suppression in force for an address; undefined when there is none. */
export async function liftSuppression(
  db: Executor,
  channel: string,
  address: string,
  reason: string,
): Promise<SuppressionRow | undefined> {
  return db
    .updateTable('suppressions')
    .set({ lifted_at: sql<Date>`now()`, lifted_reason: reason })
    .where(inForce(channel, address))
    .returningAll()
    .executeTakeFirst();
}

/**
 * Sets the SMS consent of every contact with this phone, as stated at `at`: a statement older
 * than the contact's last consent change is ignored. Returns the ids of the contacts changed.
 */
export async function setSmsConsentByPhone(
  db: Executor,
  phone: string,
  consent: boolean,
  at: Date,
): Promise<number[]> {
  const rows = await db
    .updateTable('contacts')
    .set({ sms_consent: consent, sms_consent_at: at, updated_at: sql<Date>`now()` })
    .where('phone', '=', phone)
    .where('sms_consent', '<>', consent)
    .where((eb) => eb.or([eb('sms_consent_at', 'is', null), eb('sms_consent_at', '<=', at)]))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
