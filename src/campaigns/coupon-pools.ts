/**
 * Coupon pools a campaign draws from: an empty one ends every journey that reaches its coupon node
 * with `coupon_pool_exhausted`, sending nothing, so `campaign launch` says so first; the report
 * shows each pool.
 */
import { type CouponSetStatus, couponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';
import { counted } from '../domain/counted.js';
import { flowReferences } from '../domain/flows/graph.js';
import type { CampaignDefinition, FlowCampaign } from './kinds/registry.js';

/** The coupon sets a campaign assigns codes from: a flow's coupon nodes' sets, else its `couponSet`. */
export function couponSetsOf(definition: CampaignDefinition | FlowCampaign): string[] {
  if (definition.kind === 'flow') return flowReferences(definition).couponSets;
  // A registered kind's definition may have no coupon set.
  const { couponSet } = definition as { couponSet?: unknown };
  return typeof couponSet === 'string' ? [couponSet] : [];
}

/** One warning per coupon set of the definition that has no code left to assign. */
export function emptyCouponPoolWarnings(
  definition: CampaignDefinition | FlowCampaign,
  statuses: readonly CouponSetStatus[],
): string[] {
  return couponSetsOf(definition).flatMap((set) => {
    const status = statuses.find((s) => s.setId === set);
    const available = status?.available ?? 0;
    if (available > 0) return [];
    const why = status?.expiredUnassigned
      ? ` (${counted(status.expiredUnassigned, 'unassigned code')} expired)`
      : status?.total
        ? ' (every code is assigned)'
        : '';
    return [
      `warning: coupon set ${JSON.stringify(set)} has no code available${why}: every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with \`boomerang coupons generate ${set} --count N\` (or stop the campaign)`,
    ];
  });
}

/**
 * What the launch of a campaign should warn of first, once launchableCampaign has let it through:
 * its empty coupon pools.
 */
export async function launchWarnings(
  db: Db,
  definition: CampaignDefinition | FlowCampaign,
): Promise<string[]> {
  return emptyCouponPoolWarnings(definition, await couponSetStatus(db));
}
