/** Campaigns as stored data: the validated definition plus a status. */
import { checkDefinitionUpdate } from '../domain/campaigns/changes.js';
import type {
  DefinitionChange,
  RunningJourneysChoice,
} from '../domain/campaigns/definition-change.js';
import {
  type CampaignDefinition,
  parseCampaignDefinition,
} from '../domain/campaigns/definition.js';
import type { CampaignStatus, CampaignsTable } from './schema.js';
import type { Kysely, Selectable } from 'kysely';
import { type Executor } from './database.js';
import type { Database } from './schema.js';

export interface StoredCampaign {
  definition: CampaignDefinition;
  status: CampaignStatus;
  /** The definition's version: 1 at creation, one more at each update. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export class CampaignExistsError extends Error {
  constructor(readonly campaignId: string) {
    super(
      `campaign "${campaignId}" already exists; change it with \`boomerang campaign update ${campaignId} --file FILE\` (running journeys keep their version unless you add --running adopt)`,
    );
    this.name = 'CampaignExistsError';
  }
}

/** Names the known campaigns, or, when there are none, says what to do instead (`whenNone`). */
export class UnknownCampaignError extends Error {
  constructor(
    readonly campaignId: string,
    known: string[],
    whenNone = 'create one with `boomerang campaign create --file FILE`',
  ) {
    super(
      `unknown campaign "${campaignId}"; ${known.length ? `known campaigns: ${known.join(', ')}` : whenNone}`,
    );
    this.name = 'UnknownCampaignError';
  }
}

/** Creates a campaign (version 1); an existing id is refused, pointing at `campaign update`. */
export async function createCampaign(
  db: Kysely<Database>,
  input: unknown,
): Promise<StoredCampaign> {
  const campaign = parseCampaignDefinition(input);
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('campaigns')
      .values({
        id: campaign.id,
        kind: campaign.kind,
        name: campaign.name,
        definition: JSON.stringify(campaign),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) throw new CampaignExistsError(campaign.id);
    await tx
      .insertInto('campaign_versions')
      .values({ campaign_id: campaign.id, version: 1, definition: JSON.stringify(campaign) })
      .execute();
    return {
      definition: campaign,
      status: inserted.status,
      version: 1,
      createdAt: inserted.created_at,
      updatedAt: inserted.updated_at,
    };
  });
}

export interface DefinitionUpdate {
  campaign: CampaignDefinition;
  /** The version saved; the current one again when nothing changed. */
  version: number;
  previousVersion: number;
  changes: DefinitionChange[];
}

/**
 * Saves a new version of a campaign's definition. With "adopt", a change that running journeys
 * cannot take safely is refused (UnsafeDefinitionChangeError) and nothing is saved.
 */
export async function updateCampaignDefinition(
  db: Kysely<Database>,
  id: string,
  input: unknown,
  runningJourneys: RunningJourneysChoice,
): Promise<DefinitionUpdate> {
  const campaign = parseCampaignDefinition(input);
  if (campaign.id !== id) throw new CampaignIdMismatchError(id, campaign.id);
  return db.transaction().execute(async (tx) => {
    // Locked: two updates at once get consecutive versions.
    const row = await tx
      .selectFrom('campaigns')
      .select(['definition', 'version'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) await getCampaign(tx, id); // throws UnknownCampaignError naming the known ones
    const before = parseCampaignDefinition(row!.definition);
    const changes = checkDefinitionUpdate(before, campaign, 'keep');
    if (runningJourneys === 'adopt') {
      // Running journeys may still run versions older than the latest (kept at an earlier update):
      // each must be able to take the new definition.
      for (const older of await runningVersions(tx, id))
        checkDefinitionUpdate(older.definition, campaign, 'adopt', older.version);
    }
    if (changes.length === 0)
      return { campaign: before, version: row!.version, previousVersion: row!.version, changes };
    const version = row!.version + 1;
    await tx
      .insertInto('campaign_versions')
      .values({
        campaign_id: id,
        version,
        definition: JSON.stringify(campaign),
        running_journeys: runningJourneys,
      })
      .execute();
    await tx
      .updateTable('campaigns')
      .set({
        name: campaign.name,
        definition: JSON.stringify(campaign),
        version,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    return { campaign, version, previousVersion: row!.version, changes };
  });
}

export class CampaignIdMismatchError extends Error {
  constructor(
    readonly campaignId: string,
    readonly fileId: string,
  ) {
    super(
      `id: the file defines campaign "${fileId}", not "${campaignId}" (a campaign's id never changes; create a new campaign for another id)`,
    );
    this.name = 'CampaignIdMismatchError';
  }
}

/**
 * Creates a campaign, or saves its definition as a new version that running journeys do not take
 * (tests and seeds; the CLI creates and updates explicitly).
 */
export async function saveCampaign(
  db: Kysely<Database>,
  input: unknown,
): Promise<{ campaign: CampaignDefinition; action: 'created' | 'updated'; version: number }> {
  const campaign = parseCampaignDefinition(input);
  try {
    const created = await createCampaign(db, campaign);
    return { campaign: created.definition, action: 'created', version: created.version };
  } catch (err) {
    if (!(err instanceof CampaignExistsError)) throw err;
    const updated = await updateCampaignDefinition(db, campaign.id, campaign, 'keep');
    return { campaign: updated.campaign, action: 'updated', version: updated.version };
  }
}

export async function getCampaign(db: Executor, id: string): Promise<StoredCampaign> {
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) {
    const known = await db.selectFrom('campaigns').select('id').orderBy('id').execute();
    throw new UnknownCampaignError(
      id,
      known.map((k) => k.id),
    );
  }
  return storedCampaign(row);
}

export async function listCampaigns(db: Executor): Promise<StoredCampaign[]> {
  const rows = await db.selectFrom('campaigns').selectAll().orderBy('id').execute();
  return rows.map(storedCampaign);
}

function storedCampaign(row: Selectable<CampaignsTable>): StoredCampaign {
  return {
    definition: parseCampaignDefinition(row.definition),
    status: row.status,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A campaign's definition as journeys start with it: the stored one, and its version, read together. */
export interface CampaignForStart<C = CampaignDefinition> {
  definition: C;
  version: number;
}

/** A campaign's stored definition as of one version: the same key, the same definition. */
export interface CampaignVersionKey {
  id: string;
  version: number;
  /** A campaign dropped and created again under its id starts over at version 1. */
  createdAt: Date;
}

/** Active campaigns of the given kinds, without their definitions (a few bytes each). */
export async function activeCampaignVersions(
  db: Executor,
  kinds: readonly string[],
): Promise<CampaignVersionKey[]> {
  if (kinds.length === 0) return [];
  const rows = await db
    .selectFrom('campaigns')
    .select(['id', 'version', 'created_at'])
    .where('kind', 'in', kinds)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, version: r.version, createdAt: r.created_at }));
}

/** These campaigns' stored definitions, each with its version (the current one, read now). */
export async function campaignsForStart(
  db: Executor,
  ids: readonly string[],
): Promise<(CampaignForStart & CampaignVersionKey)[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('campaigns')
    .select(['id', 'definition', 'version', 'created_at'])
    .where('id', 'in', ids)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    definition: parseCampaignDefinition(r.definition),
    version: r.version,
    createdAt: r.created_at,
  }));
}

export async function setCampaignStatus(
  db: Executor,
  id: string,
  status: CampaignStatus,
): Promise<void> {
  await getCampaign(db, id);
  await db
    .updateTable('campaigns')
    .set({ status, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

/** One stored version of a campaign's definition (to show what a journey ran under). */
export async function campaignVersions(
  db: Executor,
  id: string,
): Promise<{ version: number; runningJourneys: RunningJourneysChoice; createdAt: Date }[]> {
  const rows = await db
    .selectFrom('campaign_versions')
    .select(['version', 'running_journeys', 'created_at'])
    .where('campaign_id', '=', id)
    .orderBy('version')
    .execute();
  return rows.map((r) => ({
    version: r.version,
    runningJourneys: r.running_journeys,
    createdAt: r.created_at,
  }));
}

/** The definitions that running journeys of a campaign run under. */
async function runningVersions(
  db: Executor,
  id: string,
): Promise<{ version: number; definition: CampaignDefinition }[]> {
  const rows = await db
    .selectFrom('campaign_versions as v')
    .select(['v.version', 'v.definition'])
    .where('v.campaign_id', '=', id)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('journeys as j')
          .select('j.workflow_id')
          .whereRef('j.campaign_id', '=', 'v.campaign_id')
          .whereRef('j.definition_version', '=', 'v.version')
          .where('j.ended_at', 'is', null),
      ),
    )
    .orderBy('v.version')
    .execute();
  return rows.map((r) => ({
    version: r.version,
    definition: parseCampaignDefinition(r.definition),
  }));
}
