/**
 * The send log's side of the shop-wide frequency cap: when a contact's recent marketing messages
 * went out (db/messages.ts). Every message Boomerang sends comes from a campaign, so every row of
 * `messages` counts.
 */
import type { Executor } from '../db/database.js';
import { type RecentMessagesOptions, recentMessageTimes } from '../db/messages.js';
import {
  checkFrequencyCap,
  type FrequencyCap,
  type FrequencyCapDecision,
  frequencyCapPeriodStart,
} from '../domain/messages/frequency-cap.js';

/** Whether one more marketing message to the contact fits under the cap at `now`. */
export async function checkContactFrequencyCap(
  db: Executor,
  cap: FrequencyCap | undefined,
  contactId: number,
  now: Date,
  options: Omit<RecentMessagesOptions, 'limit'> & {
    /** Counts one more message sent at that time (a slot yielded to a waiting message). */
    alsoSentAt?: Date;
  } = {},
): Promise<FrequencyCapDecision> {
  if (!cap) return checkFrequencyCap(undefined, [], now);
  const { alsoSentAt, ...query } = options;
  // The cap's `messages` most recent are all the decision (and its nextAllowedAt) needs.
  const times = await recentMessageTimes(db, contactId, frequencyCapPeriodStart(cap, now), {
    ...query,
    limit: Math.max(1, cap.messages),
  });
  return checkFrequencyCap(cap, alsoSentAt ? [...times, alsoSentAt] : times, now);
}
