/**
 * The node graph of a campaign, as data: each kind draws its own (src/campaigns/kinds/<kind>/), from
 * its step catalogue, which its workflow enters too. The report counts journeys per node and per way
 * out on this graph; the dashboard draws it.
 */
import { campaignKind } from '../../campaigns/kinds/registry.js';
import type { CampaignBase } from '../../campaigns/kinds/common.js';
import type { CampaignGraph, NodeKind } from '../../campaigns/kinds/graph.js';

export {
  type CampaignGraph,
  type GraphEdge,
  type GraphExit,
  type GraphNode,
  type NodeKind,
  nodeId,
} from '../../campaigns/kinds/graph.js';

/** Node kinds whose entry is the moment a message goes out (or, for held-out journeys, would have). */
export const MESSAGE_NODE_KINDS: ReadonlySet<NodeKind> = new Set(['email', 'sms']);

/** The node graph of a campaign, labelled with its own segment, waits and coupon set. */
export function campaignGraph(campaign: CampaignBase): CampaignGraph {
  return campaignKind(campaign.kind).graph(campaign);
}

/** The steps whose entry sends a message (email or SMS) in this graph. */
export function messageSteps(graph: CampaignGraph): string[] {
  return [
    ...new Set(
      graph.nodes
        .filter((n) => MESSAGE_NODE_KINDS.has(n.kind) && n.step !== null)
        .map((n) => n.step!),
    ),
  ];
}
