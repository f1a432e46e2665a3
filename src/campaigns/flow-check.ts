/**
 * A flow checked completely before it is saved, as checkCampaignDefinition does for any campaign:
 * its schema and graph, then what it refers to in the database (the flow kind's checks,
 * src/campaigns/kinds/flow/checks.ts). Reads only.
 */
import type { Db } from '../db/database.js';
import {
  type FlowCampaign,
  FlowDefinitionError,
  parseFlowDefinition,
} from '../domain/flows/definition.js';
import { lookupsIn } from './check.js';
import { flowProblems } from './kinds/flow/checks.js';

export { FLOW_CHANNELS } from './kinds/flow/checks.js';

export async function checkFlowDefinition(db: Db, input: unknown): Promise<FlowCampaign> {
  const flow = parseFlowDefinition(input);
  const problems = await flowProblems(flow, lookupsIn(db));
  if (problems.length) throw new FlowDefinitionError(problems);
  return flow;
}
