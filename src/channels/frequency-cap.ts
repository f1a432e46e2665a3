/**
 * The send log's side of the shop-wide frequency cap: when a contact's recent marketing messages
 * went out. Every message Boomerang sends comes from a campaign, so every row of `messages` counts.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  checkFrequencyCap,
  type FrequencyCap,
  type FrequencyCapDecision,
  frequencyCapPeriodStart,
} from '../domain/messages/frequency-cap.js';

type Executor = Kysely<Database> | Transaction<Database>;

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

/** Whether one more marketing message to the contact fits under the cap at `now`. */
export async function checkContactFrequencyCap(
  db: Executor,
  cap: FrequencyCap | undefined,
  contactId: number,
  now: Date,
  options: Omit<RecentMessagesOptions, 'limit'> = {},
): Promise<FrequencyCapDecision> {
  if (!cap) return checkFrequencyCap(undefined, [], now);
  // The cap's `messages` most recent are all the decision (and its nextAllowedAt) needs.
  const times = await recentMessageTimes(db, contactId, frequencyCapPeriodStart(cap, now), {
    ...options,
    limit: Math.max(1, cap.messages),
  });
  return checkFrequencyCap(cap, times, now);
}
