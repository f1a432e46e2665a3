/**
 * The claim: under a lock on the contact, consent once more, the address's suppression (a hard
 * bounce, a complaint: provider feedback), the shop-wide frequency cap, and a `messages` row with
 * status 'sending' under the step's idempotency key (insert … on conflict do nothing). Two steps
 * sending to the same contact at the same moment see each other's claim.
 *
 * A capped message of a campaign that delays is told when to come back (when the oldest counted
 * message leaves the cap's period), within its delay limit; otherwise it is dropped. A send that
 * would take the contact's last slot yields it to a waiting message of higher priority, and is
 * then capped as any other (domain/messages/pressure.ts).
 */
import type { Db } from '../../db/database.js';
import { isForeignKeyViolation } from '../../db/errors.js';
import { suppressionOf } from '../../db/feedback.js';
import { claimMessage, findRecipient, waitingCappedPriorities } from '../../db/messages.js';
import type { MessageRow } from '../../db/schema.js';
import type { FrequencyCap } from '../../domain/messages/frequency-cap.js';
import {
  cappedMessage,
  type SendPressure,
  yieldsLastSlot,
} from '../../domain/messages/pressure.js';
import type { SendResult } from '../../domain/messages/sending.js';
import type { ChannelAdapter } from '../adapter.js';
import { MESSAGING_FAILURE, nonRetryable } from '../failures.js';
import { checkContactFrequencyCap } from '../frequency-cap.js';
import type { SendJournal, SendStep } from '../journal.js';
import type { RenderedMessage } from './render.js';

/** The claimed row; a skip; or `undefined` row when another attempt of the step claimed it first. */
export type Claim = { skipped: SendResult } | { row: MessageRow | undefined };

export async function claimUnderCap(
  db: Db,
  adapter: ChannelAdapter,
  step: SendStep,
  message: RenderedMessage & { to: string },
  cap: FrequencyCap | undefined,
  pressure: SendPressure | undefined,
  journal: SendJournal,
  now: () => Date,
): Promise<Claim> {
  const { channel } = adapter;
  try {
    return await db.transaction().execute(async (trx): Promise<Claim> => {
      const locked = await findRecipient(trx, step.contactId, { forUpdate: true });
      if (!locked) return { skipped: await journal.skipped(trx, channel, 'contact_not_found') };
      // Consent again, now that nothing can change it until the claim is made.
      const reach = adapter.reach(locked);
      if (reach.refused)
        return { skipped: await journal.skipped(trx, channel, reach.refused, reach.detail) };
      const suppression = await suppressionOf(trx, channel, reach.to);
      if (suppression)
        return {
          skipped: await journal.skipped(trx, channel, 'suppressed', {
            suppression: suppression.reason,
            suppressedAt: suppression.created_at.toISOString(),
          }),
        };
      const at = now();
      const messageKey = `${step.key}:message`;
      const options = { excludeKey: step.key };
      let decision = await checkContactFrequencyCap(trx, cap, step.contactId, at, options);
      let yieldedTo: number | undefined;
      if (decision.allowed && pressure && cap) {
        const waiting = await waitingCappedPriorities(trx, step.contactId, at, messageKey);
        if (yieldsLastSlot(decision.remaining, pressure.priority, waiting)) {
          yieldedTo = Math.max(...waiting);
          // As if the waiting message had taken the slot now: when the cap frees the next one.
          decision = await checkContactFrequencyCap(trx, cap, step.contactId, at, {
            ...options,
            alsoSentAt: at,
          });
        }
      }
      if (!decision.allowed) {
        const detail = {
          sentInPeriod: decision.sentInPeriod,
          nextAllowedAt: decision.nextAllowedAt?.toISOString(),
          ...(yieldedTo === undefined ? {} : { yieldedToPriority: yieldedTo }),
        };
        const capped = cappedMessage(pressure, decision.nextAllowedAt);
        if ('retryAt' in capped)
          return {
            skipped: await journal.waiting(trx, channel, 'frequency_cap', capped.retryAt, {
              ...detail,
              priority: pressure!.priority,
              delayUntil: pressure!.delayUntil,
            }),
          };
        return {
          skipped: await journal.skipped(trx, channel, 'frequency_cap', {
            ...detail,
            ...(pressure?.whenCapped === 'delay'
              ? { dropped: capped.drop, delayUntil: pressure.delayUntil }
              : {}),
          }),
        };
      }
      const row = await claimMessage(trx, {
        idempotency_key: step.key,
        channel,
        provider: adapter.provider,
        status: 'sending',
        contact_id: step.contactId,
        campaign_id: step.campaignId,
        workflow_id: step.workflowId,
        template: message.template,
        to_address: message.to,
        subject: message.subject,
        html: message.html,
        text: message.text,
        headers: JSON.stringify(message.headers),
        created_at: at,
      });
      return { row };
    });
  } catch (error) {
    if (isForeignKeyViolation(error, /campaign/))
      throw nonRetryable(
        `campaign ${JSON.stringify(step.campaignId)} does not exist`,
        MESSAGING_FAILURE.invalidInput,
      );
    throw error;
  }
}
