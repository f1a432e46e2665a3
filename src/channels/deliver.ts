/**
 * Delivering a claimed message through its channel's adapter, and carrying on from what an earlier
 * attempt of the same step left in `messages` (sent: reported again; failed: refused again;
 * sending: delivered again under the same idempotency key).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { markMessageFailed, markMessageSent, noteMessageError } from '../db/messages.js';
import type { MessageRow } from '../db/schema.js';
import type { SendResult } from '../domain/messages/sending.js';
import type { ChannelAdapter, Delivery } from './adapter.js';
import { MESSAGING_FAILURE, nonRetryable } from './failures.js';
import type { SendJournal } from './journal.js';
import { rejectedFailure, retryableFailure } from './provider-errors.js';

export interface DeliverDeps {
  db: Db;
  journal: SendJournal;
  now: () => Date;
}

/** Hands a claimed message to the adapter and records the outcome. */
export async function deliver(
  { db, journal, now }: DeliverDeps,
  adapter: ChannelAdapter,
  row: MessageRow,
): Promise<SendResult> {
  let delivery: Delivery;
  try {
    delivery = await adapter.deliver(row);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ApplicationFailure && error.nonRetryable) {
      await db.transaction().execute(async (trx) => {
        await markMessageFailed(trx, row.id, message);
        await journal.failed(trx, row, message);
      });
    } else {
      // Still 'sending': the next attempt sends it again, under the same key.
      await noteMessageError(db, row.id, message);
    }
    throw error;
  }
  switch (delivery.status) {
    case 'waiting':
      // Retried at once (not after the send retry policy's backoff): the message is only waiting its turn.
      throw retryableFailure(
        `${row.channel} ${row.id} is still queued for the ${row.channel} sender${row.error ? ` (last attempt: ${row.error})` : ''}`,
        MESSAGING_FAILURE.stillQueued,
        1000,
      );
    case 'settled':
      if (delivery.outcome.status === 'failed') {
        const reason = delivery.outcome.error ?? 'no details';
        await journal.failed(db, row, reason);
        throw rejectedFailure(reason, { messageId: row.id });
      }
      await journal.sent(db, row);
      return { outcome: 'sent', messageId: row.id };
    case 'handed_over':
      await db.transaction().execute(async (trx) => {
        await markMessageSent(trx, row.id, delivery.providerMessageId, now());
        await journal.sent(trx, row);
      });
      return { outcome: 'sent', messageId: row.id };
  }
}

/** Carries on from what a previous attempt of the same step left in `messages`. */
export async function resume(
  deps: DeliverDeps,
  adapter: ChannelAdapter,
  step: string,
  row: MessageRow,
): Promise<SendResult> {
  if (row.channel !== adapter.channel) {
    throw nonRetryable(
      `step ${JSON.stringify(step)} already sent a ${row.channel} message; a step sends one message`,
      MESSAGING_FAILURE.invalidInput,
    );
  }
  switch (row.status) {
    case 'sent':
      await deps.journal.sent(deps.db, row);
      return { outcome: 'sent', messageId: row.id };
    case 'failed':
      // The email sender may have failed it while no attempt was waiting: the event is recorded once.
      await deps.journal.failed(deps.db, row, row.error ?? 'no details');
      throw nonRetryable(
        `this message was refused earlier: ${row.error ?? 'no details'}`,
        MESSAGING_FAILURE.previouslyFailed,
      );
    case 'sending':
      return deliver(deps, adapter, row);
  }
}
