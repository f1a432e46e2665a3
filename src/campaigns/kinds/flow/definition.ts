/**
 * A flow's definition: a graph of typed nodes with stable ids (src/domain/flows/definition.ts,
 * where the schema and the graph checks live beside the interpreter's other pure parts).
 */
export {
  type FlowCampaign,
  type FlowNode,
  flowSchema,
  NODE_TYPES,
} from '../../../domain/flows/definition.js';
