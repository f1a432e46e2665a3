/**
 * Campaigns as the CLI (and any client) manages them: create one from a checked definition, list
 * them with their journeys, show one, pause and resume it. Launch and stop are the enrolment
 * module's (./enrolment.ts); an update is ./update.ts's.
 */
import {
  CampaignExistsError,
  CampaignIdMismatchError,
  createCampaign,
  getCampaign,
  listCampaigns,
  setCampaignStatus,
  type StoredCampaign,
  UnknownCampaignError,
} from '../db/campaigns.js';
import type { Db } from '../db/database.js';
import type { CampaignStatus } from '../db/schema.js';
import { journeyCountsByCampaign } from '../db/journeys.js';
import { queuedStartCount } from '../db/start-queue.js';
import { nodeOrder } from '../domain/flows/graph.js';
import { checkCampaignDefinition } from './check.js';
import type { CampaignDefinition, FlowCampaign } from './kinds/registry.js';

export { CampaignExistsError, CampaignIdMismatchError, UnknownCampaignError, type StoredCampaign };

/** Creates a campaign (version 1) from a definition checked completely (checkCampaignDefinition). */
export async function createCheckedCampaign(db: Db, input: unknown): Promise<StoredCampaign> {
  return createCampaign(db, await checkCampaignDefinition(db, input));
}

export interface CampaignWithJourneys extends StoredCampaign {
  journeys: { enrolled: number; ended: number };
}

/** Every campaign, by id, with how many journeys it enrolled and how many of them ended. */
export async function campaignsWithJourneys(db: Db): Promise<CampaignWithJourneys[]> {
  const [campaigns, counts] = await Promise.all([listCampaigns(db), journeyCountsByCampaign(db)]);
  return campaigns.map((c) => ({
    ...c,
    journeys: counts.get(c.definition.id) ?? { enrolled: 0, ended: 0 },
  }));
}

/**
 * One campaign, its definition with defaults filled in (UnknownCampaignError names the known ones).
 * A flow's nodes come in the order a journey meets them from the entry, as `campaign graph` draws
 * them: Postgres keeps them in its own jsonb key order (`done` before `start`), not as written.
 */
export async function showCampaign(db: Db, id: string): Promise<StoredCampaign> {
  const stored = await getCampaign(db, id);
  const definition = stored.definition as CampaignDefinition | FlowCampaign;
  if (definition.kind !== 'flow') return stored;
  const nodes = Object.fromEntries(
    nodeOrder(definition.nodes).map((node) => [node, definition.nodes[node]!]),
  );
  return {
    ...stored,
    definition: { ...definition, nodes } as unknown as StoredCampaign['definition'],
  };
}

/**
 * Pauses (no new enrolments; running journeys go on) or resumes a campaign. Returns how many of
 * its journeys wait in the start queue: held while it is paused, started once it is resumed.
 */
export async function setCampaignActive(
  db: Db,
  id: string,
  status: Extract<CampaignStatus, 'active' | 'paused'>,
): Promise<{ queuedStarts: number }> {
  await setCampaignStatus(db, id, status);
  return { queuedStarts: await queuedStartCount(db, id) };
}
