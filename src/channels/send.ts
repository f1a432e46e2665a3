/**
 * The send path every channel shares. At send time, in this order:
 *  1. a previous attempt of the same step (idempotency key = workflow id + step) decides: a message
 *     already sent is reported again, a message half-sent is delivered again with its recorded
 *     content and the same key, a skip is reported again;
 *  2. the contact is loaded and the channel's consent rule applied (adapter.reach); quiet hours
 *     (the channel's sending hours on the contact's clock) hold the message until they end, or
 *     drop it, as the step's campaign says; a held-out contact is skipped here, after the same
 *     checks (and waits) as a treated one;
 *  3. the template is rendered and its links get UTM tags (prepare/render.ts);
 *  4. under a lock on the contact, the address's suppression (bounces, complaints) and the
 *     frequency cap are checked (a capped message is dropped or told when to come back) and the
 *     message claimed (prepare/claim.ts);
 *  5. the adapter delivers it (deliver.ts).
 * Every send and skip is recorded in journey_events (journal.ts).
 */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { findMessageByKey, findMessageEvent, findRecipient } from '../db/messages.js';
import { isValidTimeZone } from '../domain/contact-window.js';
import { quietUntil, sendHoursFor, type SendPressure } from '../domain/messages/pressure.js';
import type { SendResult, SkipReason } from '../domain/messages/sending.js';
import { deliver, resume } from './deliver.js';
import { MESSAGING_FAILURE, nonRetryable } from './failures.js';
import { sendJournal, type SendStep } from './journal.js';
import { claimUnderCap } from './prepare/claim.js';
import { type MessageToRender, type RenderConfig, renderMessage } from './prepare/render.js';
import type { ChannelRegistry } from './registry.js';

export interface SendPathDeps {
  db: Db;
  channels: ChannelRegistry;
  config: RenderConfig & Pick<Config, 'frequencyCap'> & Partial<Pick<Config, 'sendHours'>>;
  now: () => Date;
}

/** One message of a send step, as the send path needs it. */
export interface MessageRequest extends MessageToRender {
  step: string;
  campaignId: string;
  contactId: number;
  /** Control group: check everything a send would, then withhold the message (skipped, "holdout"). */
  withhold?: boolean | undefined;
  /** Quiet hours and what a capped message does; absent: never held, and dropped when capped. */
  pressure?: SendPressure | undefined;
}

export function createSendPath(deps: SendPathDeps) {
  const { db, config, now } = deps;

  return async function send(
    channel: string,
    request: MessageRequest,
    ids: Pick<SendStep, 'workflowId' | 'key'>,
  ): Promise<SendResult> {
    const adapter = deps.channels.get(channel);
    if (!adapter)
      throw nonRetryable(
        `no channel named ${JSON.stringify(channel)}; known: ${deps.channels.names.join(', ')}`,
        MESSAGING_FAILURE.invalidInput,
      );
    const step: SendStep = {
      ...ids,
      step: request.step,
      campaignId: request.campaignId,
      contactId: request.contactId,
    };
    const journal = sendJournal(step, now);
    const delivering = { db, journal, now };

    const existing = await findMessageByKey(db, step.key);
    if (existing) return resume(delivering, adapter, step.step, existing);
    const earlier = await findMessageEvent(db, `${step.key}:message`);
    if (earlier?.type === 'message_skipped')
      return { outcome: 'skipped', reason: earlier.detail.reason as SkipReason };

    const contact = await findRecipient(db, step.contactId);
    if (!contact) return journal.skipped(db, channel, 'contact_not_found');
    const reach = adapter.reach(contact);
    if (reach.refused) return journal.skipped(db, channel, reach.refused, reach.detail);
    if (request.pressure) {
      const at = now();
      const hours = sendHoursFor(request.pressure, config.sendHours?.[channel]);
      // A time zone Intl does not know (bad import data) falls back to the shop's.
      const zone =
        contact.timezone && isValidTimeZone(contact.timezone)
          ? contact.timezone
          : config.shop.timezone;
      const opensAt = quietUntil(hours, at, zone);
      if (opensAt) {
        const detail = { quietUntil: opensAt.toISOString(), from: hours?.from, to: hours?.to };
        return request.pressure.whenQuiet === 'drop'
          ? journal.skipped(db, channel, 'quiet_hours', detail)
          : journal.waiting(db, channel, 'quiet_hours', opensAt, detail);
      }
    }
    if (request.withhold) return journal.skipped(db, channel, 'holdout');

    const rendered = await renderMessage(adapter, request, contact, config, now());
    const claim = await claimUnderCap(
      db,
      adapter,
      step,
      { ...rendered, to: reach.to },
      config.frequencyCap,
      request.pressure,
      journal,
      now,
    );
    if ('skipped' in claim) return claim.skipped;
    if (claim.row) return deliver(delivering, adapter, claim.row);
    // Another attempt of this step claimed it in the meantime: carry on from its row.
    const row = await findMessageByKey(db, step.key);
    if (!row)
      throw new Error(`message ${step.key} was claimed by another attempt and then vanished`);
    return resume(delivering, adapter, step.step, row);
  };
}

export type SendPath = ReturnType<typeof createSendPath>;
