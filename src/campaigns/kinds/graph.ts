/**
 * The parts a kind's report graph is drawn with: the nodes a journey enters (the kind's step
 * catalogue, which its workflow enters too), the edges between them with their yes/no labels, and
 * the designed ways out (end reasons). The report counts journeys per node and per way out on this
 * graph; the dashboard draws it.
 *
 * A step a journey enters twice (the welcome journey waits, then checks for a purchase, twice) is
 * two nodes: the first visit has the step as id, the second `step#2`.
 */
import type { Step, StepKind } from './steps.js';

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
  kind: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  exits: GraphExit[];
}

/** The id of the `occurrence`-th visit of `step`. */
export function nodeId(step: string, occurrence: number): string {
  return occurrence <= 1 ? step : `${step}#${occurrence}`;
}

/** The start node's id: the enrolment. */
export const START = 'enrolled';

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
export function nodes(
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

export function idOf(step: Step | typeof START): string {
  return step === START ? START : nodeId(step.step, step.occurrence);
}

type ChainLink = Step | typeof START | [Step, 'yes' | 'no'];

/** Edges along a list of node ids, each unlabelled unless given as [id, label]. */
export function chain(...links: ChainLink[]): GraphEdge[] {
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

export function exit(from: Step, reason: string, label?: 'yes' | 'no'): GraphExit {
  return label ? { from: idOf(from), reason, label } : { from: idOf(from), reason };
}
