/**
 * Journeys of the shop's own: a flow is a campaign whose journey is a graph of typed nodes
 * (src/domain/flows), run by one interpreter workflow (src/workflows/flow.ts). Its entry node says
 * how journeys start and who may enter again; its report graph is its nodes, counted per node id
 * (node ids are the step ids journeys record).
 */
import { entryNodeId, nodeExits } from '../../../domain/flows/graph.js';
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
  const entryId = entryNodeId(flow.nodes);
  const entry = entryOf(flow);
  // Breadth-first from the entry: the order of the drawing and the report (a stored definition's
  // keys come back in Postgres' jsonb order, not as written).
  const rowOf = new Map<string, number>();
  const queue: string[] = entry ? [entry.next] : [];
  if (entry) rowOf.set(entry.next, 1);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const node = flow.nodes[id];
    if (!node) continue;
    for (const e of nodeExits(node))
      if (!rowOf.has(e.to) && e.to !== entryId) {
        rowOf.set(e.to, rowOf.get(id)! + 1);
        queue.push(e.to);
      }
  }
  const order = [...queue, ...Object.keys(flow.nodes).filter((id) => !rowOf.has(id))];
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
  for (const id of order) {
    const node = flow.nodes[id];
    if (!node || node.type === 'entry' || node.type === 'exit') continue;
    const row = rowOf.get(id) ?? rowOf.size + 1;
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
