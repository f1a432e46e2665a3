/**
 * Reactivate low-CLV customers with a coupon: launched on the campaign's audience, each journey
 * (src/workflows/low-clv-coupon.ts) checks the segment, sends a coupon, then a reminder.
 */
import { defineCampaignKind, segmentAndCouponSetProblems } from '../kind.js';
import { lowClvCouponGraph } from './graph.js';
import { type LowClvCouponCampaign, lowClvCouponSchema } from './definition.js';

export const lowClvCoupon = defineCampaignKind<LowClvCouponCampaign>({
  kind: 'low_clv_coupon',
  schema: lowClvCouponSchema,
  workflowType: 'lowClvCouponJourney',
  trigger: { on: 'launch' },
  checks: segmentAndCouponSetProblems,
  graph: lowClvCouponGraph,
});
