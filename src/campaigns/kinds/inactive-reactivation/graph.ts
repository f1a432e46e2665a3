/** The report graph of an inactive-reactivation campaign: its journey's steps, one under the other. */
import { chain, type CampaignGraph, exit, nodes, START } from '../graph.js';
import type { InactiveReactivationCampaign } from './definition.js';
import { inactiveReactivationSteps } from './steps.js';

export function inactiveReactivationGraph(c: InactiveReactivationCampaign): CampaignGraph {
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
