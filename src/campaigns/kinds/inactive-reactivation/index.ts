/**
 * Reactivate inactive customers: a journey (src/workflows/inactive-reactivation.ts) starts for each
 * contact who enters the campaign's segment at the daily recompute, and sends a coupon unless the
 * contact buys within a few hours.
 */
import { defineCampaignKind, segmentAndCouponSetProblems } from '../kind.js';
import { inactiveReactivationGraph } from './graph.js';
import { type InactiveReactivationCampaign, inactiveReactivationSchema } from './definition.js';

export const inactiveReactivation = defineCampaignKind<InactiveReactivationCampaign>({
  kind: 'inactive_reactivation',
  schema: inactiveReactivationSchema,
  workflowType: 'inactiveReactivationJourney',
  trigger: { on: 'segment_entry', segment: (c) => c.segment },
  checks: segmentAndCouponSetProblems,
  graph: inactiveReactivationGraph,
});
