/**
 * Reactivate inactive customers: a journey (src/workflows/inactive-reactivation.ts) starts for each
 * contact who enters the campaign's segment at the daily recompute, and sends a coupon unless the
 * contact buys within a few hours.
 */
import { chain, type CampaignGraph, exit, nodes, START } from '../graph.js';
import { defineCampaignKind, segmentAndCouponSetProblems } from '../kind.js';
import { type InactiveReactivationCampaign, inactiveReactivationSchema } from './definition.js';
import { inactiveReactivationSteps } from './steps.js';

function graph(c: InactiveReactivationCampaign): CampaignGraph {
  const s = inactiveReactivationSteps(c);
  return {
    kind: c.kind,
    nodes: nodes(`Entered segment "${c.segment}"`, s),
    edges: chain(START, s.wait, [s.hasPurchased, 'no'], [s.assignCoupon, 'no'], s.sendCoupon),
    exits: [
      exit(s.wait, 'purchased', 'yes'),
      exit(s.hasPurchased, 'purchased', 'yes'),
      exit(s.sendCoupon, 'completed'),
    ],
  };
}

export const inactiveReactivation = defineCampaignKind<InactiveReactivationCampaign>({
  kind: 'inactive_reactivation',
  schema: inactiveReactivationSchema,
  workflowType: 'inactiveReactivationJourney',
  trigger: { on: 'segment_entry', segment: (c) => c.segment },
  checks: segmentAndCouponSetProblems,
  graph,
});
