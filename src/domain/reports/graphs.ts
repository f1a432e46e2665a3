/**
 * The node graph of each campaign kind, as data: the nodes a journey enters (their ids are the
 * `step` strings the workflows record in `journey_events`), the edges between them with their
 * yes/no labels, and the designed ways out (end reasons). The report counts journeys per node and
 * per way out on this graph; the dashboard draws it.
 *
 * Keep in step with src/workflows/low-clv-coupon.ts, inactive-reactivation.ts and
 * welcome-voucher.ts (test/domain/reports/graphs.test.ts checks the step names against them, and
 * test/reports/journeys.test.ts against real journeys).
 *
 * A step a journey enters twice (the welcome journey waits, then checks for a purchase, twice) is
 * two nodes: the first visit has the step as id, the second `step#2`.
 */
import type { CampaignDefinition, CampaignKind } from '../campaigns/definition.js';

export type NodeKind = 'start' | 'decision' | 'wait' | 'action' | 'email' | 'sms';

export interface GraphNode {
  /** Unique in the graph: the step, or `step#n` for the n-th visit of the same step. */
  id: string;
  /** The `step` recorded in journey_events (null for the start node, which is the enrolment). */
  step: string | null;
  /** Which visit of `step` in a journey this node is (1 for the first). */
  occurrence: number;
  label: string;
  kind: NodeKind;
  /** Where the dashboard draws it: row from the top (may be fractional), column from the left. */
  row: number;
  col: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: 'yes' | 'no';
}

/** A designed end of the journey after a node, e.g. "is in segment? —no→ end (not_in_segment)". */
export interface GraphExit {
  from: string;
  reason: string;
  label?: 'yes' | 'no';
}

export interface CampaignGraph {
  kind: CampaignKind;
  nodes: GraphNode[];
  edges: GraphEdge[];
  exits: GraphExit[];
}

/** Node kinds whose entry is the moment a message goes out (or, for held-out journeys, would have). */
export const MESSAGE_NODE_KINDS: ReadonlySet<NodeKind> = new Set(['email', 'sms']);

/** The id of the `occurrence`-th visit of `step`. */
export function nodeId(step: string, occurrence: number): string {
  return occurrence <= 1 ? step : `${step}#${occurrence}`;
}

function node(
  step: string | null,
  label: string,
  kind: NodeKind,
  row: number,
  col = 0,
  occurrence = 1,
): GraphNode {
  return {
    id: step === null ? 'enrolled' : nodeId(step, occurrence),
    step,
    occurrence,
    label,
    kind,
    row,
    col,
  };
}

/** Edges along a list of node ids, each unlabelled unless given as [id, label]. */
function chain(...ids: (string | [string, 'yes' | 'no'])[]): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (let i = 1; i < ids.length; i++) {
    const prev = ids[i - 1]!;
    const next = ids[i]!;
    const from = Array.isArray(prev) ? prev[0] : prev;
    if (Array.isArray(next)) edges.push({ from, to: next[0], label: next[1] });
    else edges.push({ from, to: next });
  }
  return edges;
}

function lowClvGraph(c: Extract<CampaignDefinition, { kind: 'low_clv_coupon' }>): CampaignGraph {
  return {
    kind: c.kind,
    nodes: [
      node(null, 'Launch: the campaign audience', 'start', 0),
      node('is_in_segment', `Is in segment "${c.segment}"?`, 'decision', 1),
      node('assign_coupon', `Assign coupon from "${c.couponSet}"`, 'action', 2),
      node('send_offer', 'Send coupon email', 'email', 3),
      node('wait', `Wait ${c.waits.beforeReminder}: purchased?`, 'wait', 4),
      node('still_in_segment', `Still in segment "${c.segment}"?`, 'decision', 5),
      node('has_purchased', `Purchased in the last ${c.purchaseLookback}?`, 'decision', 6),
      node('send_reminder', 'Send reminder email (same coupon)', 'email', 7),
    ],
    edges: chain(
      'enrolled',
      'is_in_segment',
      ['assign_coupon', 'yes'],
      'send_offer',
      'wait',
      ['still_in_segment', 'no'],
      ['has_purchased', 'yes'],
      ['send_reminder', 'no'],
    ),
    exits: [
      { from: 'is_in_segment', reason: 'not_in_segment', label: 'no' },
      { from: 'wait', reason: 'purchased', label: 'yes' },
      { from: 'still_in_segment', reason: 'left_segment', label: 'no' },
      { from: 'has_purchased', reason: 'purchased', label: 'yes' },
      { from: 'send_reminder', reason: 'completed' },
    ],
  };
}

function inactiveGraph(
  c: Extract<CampaignDefinition, { kind: 'inactive_reactivation' }>,
): CampaignGraph {
  return {
    kind: c.kind,
    nodes: [
      node(null, `Entered segment "${c.segment}"`, 'start', 0),
      node('wait', `Wait ${c.waits.beforeCoupon}: purchased?`, 'wait', 1),
      node('has_purchased', `Purchased in the last ${c.purchaseLookback}?`, 'decision', 2),
      node('assign_coupon', `Assign coupon from "${c.couponSet}"`, 'action', 3),
      node('send_coupon', 'Send reactivation coupon email', 'email', 4),
    ],
    edges: chain(
      'enrolled',
      'wait',
      ['has_purchased', 'no'],
      ['assign_coupon', 'no'],
      'send_coupon',
    ),
    exits: [
      { from: 'wait', reason: 'purchased', label: 'yes' },
      { from: 'has_purchased', reason: 'purchased', label: 'yes' },
      { from: 'send_coupon', reason: 'completed' },
    ],
  };
}

function welcomeGraph(c: Extract<CampaignDefinition, { kind: 'welcome_voucher' }>): CampaignGraph {
  return {
    kind: c.kind,
    nodes: [
      node(null, 'New account registered', 'start', 0),
      node('send_welcome', 'Send welcome offer email', 'email', 1),
      node('wait', `Wait ${c.waits.afterWelcome}: purchased?`, 'wait', 2),
      node('has_purchased', `Purchased in the last ${c.waits.afterWelcome}?`, 'decision', 3),
      node('add_to_segment', `Add to segment "${c.convertedSegment}"`, 'action', 2.5, 1),
      node('wait_for_window', 'Wait for the contact window', 'wait', 4),
      node(
        'assign_coupon',
        `Assign voucher from "${c.couponSet}" (valid ${c.voucherValidity})`,
        'action',
        5,
      ),
      node('send_voucher', 'Send voucher email', 'email', 6),
      node('wait', `Wait ${c.waits.afterVoucher}: purchased?`, 'wait', 7, 0, 2),
      node('has_purchased', `Purchased in the last ${c.waits.afterVoucher}?`, 'decision', 8, 0, 2),
      node('send_reminder', 'Send voucher reminder email', 'email', 9),
      node('send_reminder_sms', 'Send voucher reminder SMS (if phone)', 'sms', 10),
    ],
    edges: [
      ...chain(
        'enrolled',
        'send_welcome',
        'wait',
        ['has_purchased', 'no'],
        ['wait_for_window', 'no'],
        'assign_coupon',
        'send_voucher',
        'wait#2',
        ['has_purchased#2', 'no'],
        ['send_reminder', 'no'],
        'send_reminder_sms',
      ),
      { from: 'wait', to: 'add_to_segment', label: 'yes' },
      { from: 'has_purchased', to: 'add_to_segment', label: 'yes' },
    ],
    exits: [
      { from: 'add_to_segment', reason: 'purchased' },
      { from: 'wait#2', reason: 'purchased', label: 'yes' },
      { from: 'has_purchased#2', reason: 'purchased', label: 'yes' },
      { from: 'send_reminder_sms', reason: 'completed' },
    ],
  };
}

/** The node graph of a campaign, labelled with its own segment, waits and coupon set. */
export function campaignGraph(campaign: CampaignDefinition): CampaignGraph {
  switch (campaign.kind) {
    case 'low_clv_coupon':
      return lowClvGraph(campaign);
    case 'inactive_reactivation':
      return inactiveGraph(campaign);
    case 'welcome_voucher':
      return welcomeGraph(campaign);
  }
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
