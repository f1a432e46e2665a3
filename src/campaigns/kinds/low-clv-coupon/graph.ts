/** The report graph of a low-CLV coupon campaign: its journey's steps, one under the other. */
import { chain, type CampaignGraph, exit, nodes, START } from '../graph.js';
import type { LowClvCouponCampaign } from './definition.js';
import { lowClvCouponSteps } from './steps.js';

export function lowClvCouponGraph(c: LowClvCouponCampaign): CampaignGraph {
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
