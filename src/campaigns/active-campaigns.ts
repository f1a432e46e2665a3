/**
 * The active campaigns of some kinds, their definitions parsed, for the store events that start
 * journeys: every custom event and every paid order reads every active flow. Each call asks
 * Postgres only which campaigns are active at which version; a definition is read and parsed once
 * per campaign version and kept, per database. So a campaign created, updated (a new version),
 * paused or stopped counts from the next event on, whichever process changed it.
 */
import {
  activeCampaignVersions,
  type CampaignForStart,
  campaignsForStart,
  type CampaignVersionKey,
} from '../db/campaigns.js';
import type { Db } from '../db/database.js';

const keyOf = (c: CampaignVersionKey) => `${c.id}\u0000${c.version}\u0000${c.createdAt.getTime()}`;

const parsedPerDatabase = new WeakMap<Db, Map<string, CampaignForStart>>();

/** The active campaigns of `kinds`, by id, each with the definition of its current version. */
export async function activeCampaignsForStart(
  db: Db,
  kinds: readonly string[],
): Promise<CampaignForStart[]> {
  const active = await activeCampaignVersions(db, kinds);
  const known = parsedPerDatabase.get(db) ?? new Map<string, CampaignForStart>();
  const missing = active.filter((c) => !known.has(keyOf(c))).map((c) => c.id);
  // Read after the list, a definition may be of a newer version than listed: the one to start.
  const read = new Map((await campaignsForStart(db, missing)).map((c) => [c.id, c]));
  const campaigns = new Map<string, CampaignForStart>();
  for (const c of active) {
    const fresh = read.get(c.id);
    const campaign = fresh
      ? { definition: fresh.definition, version: fresh.version }
      : known.get(keyOf(c));
    if (campaign) campaigns.set(keyOf(fresh ?? c), campaign);
  }
  // Only the campaigns active now are kept: the cache never outgrows them.
  parsedPerDatabase.set(db, campaigns);
  return [...campaigns.values()];
}
