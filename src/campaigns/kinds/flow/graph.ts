/**
 * The report graph of a flow: its nodes, counted per node id (node ids are the step ids journeys
 * record).
 */
import { nodeDepths, nodeExits, nodeOrder } from '../../../domain/flows/graph.js';
import { describeNode } from '../../../domain/flows/steps.js';
import {
  type CampaignGraph,
  type GraphEdge,
  type GraphExit,
  type GraphNode,
  START,
} from '../graph.js';
import { type FlowCampaign, flowEntry } from './definition.js';
import { flowStep } from './steps.js';

/** The yes/no a report graph writes on a node's exit: a branch's then/else, an event wait's two exits. */
function yesNo(path: (string | number)[]): 'yes' | 'no' | undefined {
  const field = path[0];
  if (field === 'then' || field === 'onEvent') return 'yes';
  if (field === 'else' || field === 'onTimeout') return 'no';
  return undefined;
}

/**
 * The flow's nodes, each a row down from the entry by the shortest way there, side by side in a
 * row; exit nodes are the graph's ways out (their reason), not nodes.
 */
export function flowGraph(flow: FlowCampaign): CampaignGraph {
  const entry = flowEntry(flow);
  // A node's row is its distance from the entry; one the entry does not reach goes below them all.
  const depth = nodeDepths(flow.nodes);
  const inRow = new Map<number, number>();
  const nodes: GraphNode[] = [
    {
      id: START,
      step: null,
      occurrence: 1,
      label: entry ? describeNode(entry, flow) : 'Enrolled',
      kind: 'start',
      row: 0,
      col: 0,
    },
  ];
  const edges: GraphEdge[] = [];
  const exits: GraphExit[] = [];
  const isStep = (id: string) => flow.nodes[id] && flow.nodes[id]!.type !== 'exit';
  if (entry && isStep(entry.next)) edges.push({ from: START, to: entry.next });
  for (const id of nodeOrder(flow.nodes)) {
    const node = flow.nodes[id];
    if (!node || node.type === 'entry' || node.type === 'exit') continue;
    const row = depth.get(id) ?? depth.size;
    const col = inRow.get(row) ?? 0;
    inRow.set(row, col + 1);
    const step = flowStep(flow, id);
    nodes.push({ id, step: id, occurrence: 1, label: step.title, kind: step.kind, row, col });
    for (const e of nodeExits(node)) {
      const label = yesNo(e.path);
      const target = flow.nodes[e.to];
      if (target?.type === 'exit')
        exits.push(
          label ? { from: id, reason: target.reason, label } : { from: id, reason: target.reason },
        );
      else edges.push(label ? { from: id, to: e.to, label } : { from: id, to: e.to });
    }
  }
  return { kind: flow.kind, nodes, edges, exits };
}
