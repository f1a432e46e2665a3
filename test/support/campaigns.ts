/** Campaigns, with the coupon pools they draw on, and their journeys' progress, for the end-to-end tests. */
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import type { Db } from '../../src/db/database.js';
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
