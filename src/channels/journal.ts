/**
 * What a send step records in journey_events: one event per step, under the step's key +
 * ':message', so a retried attempt records nothing twice.
 */
import type { Executor } from '../db/database.js';
import { recordJourneyEvent } from '../db/journeys.js';
import type { MessageRow } from '../db/schema.js';
import type { SendResult, SkipReason } from '../domain/messages/sending.js';

/** The step a send belongs to. */
export interface SendStep {
  workflowId: string;
  /** The idempotency key of the send: workflow id + step. */
  key: string;
  step: string;
  campaignId: string;
  contactId: number;
}

export interface SendJournal {
  skipped(
    executor: Executor,
    channel: string,
    reason: SkipReason,
    detail?: Record<string, unknown>,
  ): Promise<SendResult>;
  /**
   * Not now: the message waits for quiet hours to end or the cap to free a slot. Recorded once per
   * wake-up time, so the contact's trace says why it waits and until when; nothing final is
   * recorded, so the step's next attempt (at `retryAt`) goes through the whole send path again.
   */
  waiting(
    executor: Executor,
    channel: string,
    reason: 'quiet_hours' | 'frequency_cap',
    retryAt: Date,
    detail?: Record<string, unknown>,
  ): Promise<SendResult>;
  sent(executor: Executor, row: MessageRow): Promise<void>;
  failed(executor: Executor, row: MessageRow, error: string): Promise<void>;
}

export function sendJournal(step: SendStep, now: () => Date): SendJournal {
  async function record(
    executor: Executor,
    type: 'message_sent' | 'message_skipped' | 'message_failed' | 'message_delayed',
    detail: Record<string, unknown>,
    key = `${step.key}:message`,
  ): Promise<void> {
    await recordJourneyEvent(executor, {
      key,
      workflowId: step.workflowId,
      campaignId: step.campaignId,
      contactId: step.contactId,
      type,
      step: step.step,
      detail,
      at: now(),
    });
  }
  return {
    async skipped(executor, channel, reason, detail = {}) {
      await record(executor, 'message_skipped', { channel, reason, ...detail });
      return { outcome: 'skipped', reason };
    },
    async waiting(executor, channel, reason, retryAt, detail = {}) {
      const until = retryAt.toISOString();
      await record(
        executor,
        'message_delayed',
        { channel, reason, retryAt: until, messageKey: `${step.key}:message`, ...detail },
        `${step.key}:delayed:${until}`,
      );
      return { outcome: 'skipped', reason, retryAt: until };
    },
    sent: (executor, row) =>
      record(executor, 'message_sent', {
        channel: row.channel,
        messageId: row.id,
        provider: row.provider,
        template: row.template,
      }),
    failed: (executor, row, error) =>
      record(executor, 'message_failed', {
        channel: row.channel,
        messageId: row.id,
        provider: row.provider,
        error,
      }),
  };
}
