/**
 * Journeys of the shop's own: a flow is a campaign whose journey is a graph of typed nodes
 * (src/domain/flows), run by one interpreter workflow (src/workflows/flow.ts). Its entry node says
 * how journeys start and who may enter again; its report graph is its nodes, counted per node id
 * (node ids are the step ids journeys record).
 */
import { entryNodeId, nodeDepths, nodeExits, nodeOrder } from '../../../domain/flows/graph.js';
import { describeNode } from '../../../domain/flows/steps.js';
import {
  type CampaignGraph,
  type GraphEdge,
  type GraphExit,
  type GraphNode,
  START,
} from '../graph.js';
import { type CampaignTrigger, defineCampaignKind, type Reentry } from '../kind.js';
import { type FlowCampaign, type FlowNode, flowSchema } from './definition.js';
import { flowProblems } from './checks.js';
import { flowStep } from './steps.js';

function entryOf(flow: FlowCampaign): Extract<FlowNode, { type: 'entry' }> | undefined {
  const node = flow.nodes[entryNodeId(flow.nodes) ?? ''];
  return node?.type === 'entry' ? node : undefined;
}

function trigger(flow: FlowCampaign): CampaignTrigger<FlowCampaign> {
  const entry = entryOf(flow);
  if (entry?.trigger === 'segment_entry') {
    const segment = entry.segment!;
    return { on: 'segment_entry', segment: () => segment };
  }
  if (entry?.trigger === 'event')
    return {
      on: 'event',
      event: entry.event!,
      ...(entry.where ? { where: entry.where } : {}),
      ...(entry.key ? { key: entry.key } : {}),
    };
  return { on: 'launch' };
}

function reentry(flow: FlowCampaign): Reentry {
  return entryOf(flow)?.reentry ?? 'never';
}

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
function graph(flow: FlowCampaign): CampaignGraph {
  const entry = entryOf(flow);
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

export const flow = defineCampaignKind<FlowCampaign>({
  kind: 'flow',
  schema: flowSchema,
  workflowType: 'flowJourney',
  trigger,
  reentry,
  checks: flowProblems,
  graph,
});
