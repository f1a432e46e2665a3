/**
 * Coupon pools a campaign draws from: an empty one ends every journey that reaches its coupon node
 * with `coupon_pool_exhausted`, sending nothing, so `campaign launch` says so first; the report
 * shows each pool.
 */
import { getCampaign } from '../db/campaigns.js';
import { type CouponSetStatus, couponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';
import { flowReferences } from '../domain/flows/graph.js';
import { launchRefusal } from './enrolment.js';
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
      ? ` (${status.expiredUnassigned} unassigned code(s) expired)`
      : status?.total
        ? ' (every code is assigned)'
        : '';
    return [
      `warning: coupon set ${JSON.stringify(set)} has no code available${why}: every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with \`boomerang coupons generate ${set} --count N\` (or stop the campaign)`,
    ];
  });
}

/**
 * What a launch of campaign `id` should warn of first: its empty coupon pools. None for a campaign
 * whose launch is refused with its own message (paused, stopped, or started by an event or a
 * segment); an unknown id throws UnknownCampaignError, as the launch would.
 */
export async function launchWarnings(db: Db, id: string): Promise<string[]> {
  const stored = await getCampaign(db, id);
  if (launchRefusal(id, stored)) return [];
  return emptyCouponPoolWarnings(stored.definition, await couponSetStatus(db));
}
