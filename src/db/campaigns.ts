/** Campaigns as stored data: the validated definition plus a status. */
import {
  type CampaignDefinition,
  parseCampaignDefinition,
} from '../domain/campaigns/definition.js';
import type { CampaignStatus } from './schema.js';
import { type Executor } from './database.js';

export interface StoredCampaign {
  definition: CampaignDefinition;
  status: CampaignStatus;
  createdAt: Date;
  updatedAt: Date;
}

export class UnknownCampaignError extends Error {
  constructor(
    readonly campaignId: string,
    known: string[],
  ) {
    super(
      `unknown campaign "${campaignId}"${known.length ? `; known campaigns: ${known.join(', ')}` : '; create one with `boomerang campaign create --file FILE`'}`,
    );
    this.name = 'UnknownCampaignError';
  }
}

/** Creates or replaces a campaign's definition (the status is kept on update). */
export async function saveCampaign(
  db: Executor,
  input: unknown,
): Promise<{ campaign: CampaignDefinition; action: 'created' | 'updated' }> {
  const campaign = parseCampaignDefinition(input);
  const existing = await db
    .selectFrom('campaigns')
    .select('id')
    .where('id', '=', campaign.id)
    .executeTakeFirst();
  await db
    .insertInto('campaigns')
    .values({
      id: campaign.id,
      kind: campaign.kind,
      name: campaign.name,
      definition: JSON.stringify(campaign),
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        kind: campaign.kind,
        name: campaign.name,
        definition: JSON.stringify(campaign),
        updated_at: new Date(),
      }),
    )
    .execute();
  return { campaign, action: existing ? 'updated' : 'created' };
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
  return {
    definition: parseCampaignDefinition(row.definition),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listCampaigns(db: Executor): Promise<StoredCampaign[]> {
  const rows = await db.selectFrom('campaigns').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    definition: parseCampaignDefinition(row.definition),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/** Active campaigns of a kind (e.g. every welcome campaign, when a contact registers). */
export async function activeCampaignsOfKind(
  db: Executor,
  kind: CampaignDefinition['kind'],
): Promise<CampaignDefinition[]> {
  const rows = await db
    .selectFrom('campaigns')
    .select('definition')
    .where('kind', '=', kind)
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
  return rows.map((r) => parseCampaignDefinition(r.definition));
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
