/**
 * A flow's definition: a graph of typed nodes with stable ids (src/domain/flows/definition.ts,
 * where the schema and the graph checks live beside the interpreter's other pure parts).
 */
import type { FlowCampaign, FlowNode } from '../../../domain/flows/definition.js';
import { entryNodeId } from '../../../domain/flows/graph.js';

export {
  type FlowCampaign,
  type FlowNode,
  flowSchema,
  NODE_TYPES,
} from '../../../domain/flows/definition.js';

/** The flow's entry node, which says how its journeys start and who may enter again. */
export function flowEntry(flow: FlowCampaign): Extract<FlowNode, { type: 'entry' }> | undefined {
  const node = flow.nodes[entryNodeId(flow.nodes) ?? ''];
  return node?.type === 'entry' ? node : undefined;
}
