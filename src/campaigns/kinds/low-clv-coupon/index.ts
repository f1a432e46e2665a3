/**
 * Reactivate low-CLV customers with a coupon: launched on the campaign's audience, each journey
 * (src/workflows/low-clv-coupon.ts) checks the segment, sends a coupon, then a reminder.
 */
import { chain, type CampaignGraph, exit, nodes, START } from '../graph.js';
import { defineCampaignKind, segmentAndCouponSetProblems } from '../kind.js';
import { type LowClvCouponCampaign, lowClvCouponSchema } from './definition.js';
import { lowClvCouponSteps } from './steps.js';

function graph(c: LowClvCouponCampaign): CampaignGraph {
  const s = lowClvCouponSteps(c);
  return {
    kind: c.kind,
    nodes: nodes('Launch: the campaign audience', s),
    edges: chain(
      START,
      s.isInSegment,
      [s.assignCoupon, 'yes'],
      s.sendOffer,
      s.wait,
      [s.stillInSegment, 'no'],
      [s.hasPurchased, 'yes'],
      [s.sendReminder, 'no'],
    ),
    exits: [
      exit(s.isInSegment, 'not_in_segment', 'no'),
      exit(s.wait, 'purchased', 'yes'),
      exit(s.stillInSegment, 'left_segment', 'no'),
      exit(s.hasPurchased, 'purchased', 'yes'),
      exit(s.sendReminder, 'completed'),
    ],
  };
}

export const lowClvCoupon = defineCampaignKind<LowClvCouponCampaign>({
  kind: 'low_clv_coupon',
  schema: lowClvCouponSchema,
  workflowType: 'lowClvCouponJourney',
  trigger: { on: 'launch' },
  checks: segmentAndCouponSetProblems,
  graph,
});
