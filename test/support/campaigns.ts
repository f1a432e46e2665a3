/** Campaigns, with the coupon pools they draw on, and their journeys' progress, for the end-to-end tests. */
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import type { Insertable } from 'kysely';
import type { Db } from '../../src/db/database.js';
import type { JourneysTable } from '../../src/db/schema.js';
import type { CampaignDefinition } from '../../src/domain/campaigns/definition.js';

/**
 * The low-CLV coupon campaign `id`, saved as `campaign create` would, drawing on a coupon set of
 * the same id that holds `coupons` codes; `definition` adds to its definition.
 */
export async function lowClvCampaign(
  db: Db,
  id: string,
  opts: { name: string; coupons: number; prefix?: string; definition?: Record<string, unknown> },
): Promise<CampaignDefinition> {
  await generateCoupons(db, id, opts.coupons, { prefix: opts.prefix });
  const { campaign } = await saveCampaign(db, {
    id,
    name: opts.name,
    kind: 'low_clv_coupon',
    couponSet: id,
    ...opts.definition,
  });
  return campaign;
}

/**
 * The campaign's journey events at `step`: one a journey for a step that records only its entry,
 * such as a wait.
 */
export async function journeysAt(db: Db, campaignId: string, step: string): Promise<number> {
  const events = await db
    .selectFrom('journey_events')
    .select('workflow_id')
    .where('campaign_id', '=', campaignId)
    .where('step', '=', step)
    .execute();
  return events.length;
}

/**
 * The journeys-table row of a journey of `campaignId` for the contact, as enrolment writes it
 * (workflow id `<campaign>/<contact>`), with `values` (a definition version, an enrolment time)
 * over it. A journey the tests need the table to know of, without its workflow.
 */
export async function insertJourneyRow(
  db: Db,
  campaignId: string,
  contactId: number,
  values: Omit<Insertable<JourneysTable>, 'workflow_id' | 'campaign_id' | 'contact_id'> = {},
): Promise<void> {
  await db
    .insertInto('journeys')
    .values({
      workflow_id: `${campaignId}/${contactId}`,
      campaign_id: campaignId,
      contact_id: contactId,
      ...values,
    })
    .execute();
}
