/**
 * A flow's definition: its fields and typed nodes (./structure.ts), and its graph checked as a
 * whole (./graph.ts). The schema every caller validates with is here, so a flow is never taken
 * with a node out of reach or a loop without a wait.
 *
 * Pure: zod and plain TypeScript. Workflow code imports only the types of this module.
 */
import { describeSchemaIssues } from '../json.js';
import { flowGraphProblems } from './graph.js';
import { type FlowCampaign, flowStructureSchema } from './structure.js';

export {
  type BranchCondition,
  type FlowCampaign,
  type FlowNode,
  type FlowNodeOf,
  type FlowNodeType,
  NODE_ID,
  NODE_TYPES,
} from './structure.js';

export const flowSchema = flowStructureSchema.superRefine((flow, ctx) => {
  for (const problem of flowGraphProblems(flow))
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
});

export class FlowDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid flow definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FlowDefinitionError';
  }
}

/**
 * Validates a flow (parsed from YAML or JSON): its fields, then its graph. Each problem names
 * where it is, e.g. `nodes.wait-7d.duration: must be a duration such as "7 days" or "8 hours"`.
 */
export function parseFlowDefinition(input: unknown): FlowCampaign {
  const parsed = flowSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new FlowDefinitionError(describeSchemaIssues(parsed.error.issues));
}
