/**
 * The node graph of each campaign kind, as data: the nodes a journey enters (the campaign's step
 * catalogue, src/domain/campaigns/steps.ts, which the workflows enter too), the edges between
 * them with their yes/no labels, and the designed ways out (end reasons). The report counts
 * journeys per node and per way out on this graph; the dashboard draws it.
 *
 * A step a journey enters twice (the welcome journey waits, then checks for a purchase, twice) is
 * two nodes: the first visit has the step as id, the second `step#2`.
 */
import type { CampaignDefinition, CampaignKind } from '../campaigns/definition.js';
import {
  inactiveReactivationSteps,
  lowClvCouponSteps,
  type Step,
  type StepKind,
  welcomeVoucherSteps,
} from '../campaigns/steps.js';

export type NodeKind = 'start' | StepKind;

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

const START = 'enrolled';

function startNode(label: string): GraphNode {
  return { id: START, step: null, occurrence: 1, label, kind: 'start', row: 0, col: 0 };
}

/** The catalogue's step drawn at `row` (may be fractional) and `col`. */
function node(step: Step, row: number, col = 0): GraphNode {
  return {
    id: idOf(step),
    step: step.step,
    occurrence: step.occurrence,
    label: step.title,
    kind: step.kind,
    row,
    col,
  };
}

/**
 * The start node, then every step of the catalogue in the catalogue's order (the order the report
 * lists them in): one row apart down column 0, except a step placed `beside` the column, which
 * sits at the given row in column 1 and takes no row of the column.
 */
function nodes(
  startLabel: string,
  steps: Record<string, Step>,
  beside: ReadonlyMap<Step, number> = new Map(),
): GraphNode[] {
  let row = 0;
  return [
    startNode(startLabel),
    ...Object.values(steps).map((step) => {
      const sideRow = beside.get(step);
      return sideRow === undefined ? node(step, ++row) : node(step, sideRow, 1);
    }),
  ];
}

function idOf(step: Step | typeof START): string {
  return step === START ? START : nodeId(step.step, step.occurrence);
}

type ChainLink = Step | typeof START | [Step, 'yes' | 'no'];

/** Edges along a list of node ids, each unlabelled unless given as [id, label]. */
function chain(...links: ChainLink[]): GraphEdge[] {
  const edges: GraphEdge[] = [];
  for (let i = 1; i < links.length; i++) {
    const prev = links[i - 1]!;
    const next = links[i]!;
    const from = idOf(Array.isArray(prev) ? prev[0] : prev);
    if (Array.isArray(next)) edges.push({ from, to: idOf(next[0]), label: next[1] });
    else edges.push({ from, to: idOf(next) });
  }
  return edges;
}

function exit(from: Step, reason: string, label?: 'yes' | 'no'): GraphExit {
  return label ? { from: idOf(from), reason, label } : { from: idOf(from), reason };
}

function lowClvGraph(c: Extract<CampaignDefinition, { kind: 'low_clv_coupon' }>): CampaignGraph {
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

function inactiveGraph(
  c: Extract<CampaignDefinition, { kind: 'inactive_reactivation' }>,
): CampaignGraph {
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

function welcomeGraph(c: Extract<CampaignDefinition, { kind: 'welcome_voucher' }>): CampaignGraph {
  const s = welcomeVoucherSteps(c);
  return {
    kind: c.kind,
    // A purchase after the welcome email branches off beside the column, between its two checks.
    nodes: nodes('New account registered', s, new Map([[s.addToSegment, 2.5]])),
    edges: [
      ...chain(
        START,
        s.sendWelcome,
        s.waitAfterWelcome,
        [s.purchasedAfterWelcome, 'no'],
        [s.waitForWindow, 'no'],
        s.assignVoucher,
        s.sendVoucher,
        s.waitAfterVoucher,
        [s.purchasedAfterVoucher, 'no'],
        [s.sendReminder, 'no'],
        s.sendReminderSms,
      ),
      { from: idOf(s.waitAfterWelcome), to: idOf(s.addToSegment), label: 'yes' },
      { from: idOf(s.purchasedAfterWelcome), to: idOf(s.addToSegment), label: 'yes' },
    ],
    exits: [
      exit(s.addToSegment, 'purchased'),
      exit(s.waitAfterVoucher, 'purchased', 'yes'),
      exit(s.purchasedAfterVoucher, 'purchased', 'yes'),
      exit(s.sendReminderSms, 'completed'),
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
