/**
 * Journeys of the shop's own: a flow is a campaign whose journey is a graph of typed nodes
 * (src/domain/flows), run by one interpreter workflow (src/workflows/flow.ts). Its entry node says
 * how journeys start and who may enter again; its report graph is its nodes, counted per node id
 * (node ids are the step ids journeys record).
 */
import { type CampaignTrigger, defineCampaignKind, type Reentry } from '../kind.js';
import { type FlowCampaign, flowEntry, flowSchema } from './definition.js';
import { flowGraph } from './graph.js';
import { flowProblems } from './checks.js';

function trigger(flow: FlowCampaign): CampaignTrigger<FlowCampaign> {
  const entry = flowEntry(flow);
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
  return flowEntry(flow)?.reentry ?? 'never';
}

export const flow = defineCampaignKind<FlowCampaign>({
  kind: 'flow',
  schema: flowSchema,
  workflowType: 'flowJourney',
  trigger,
  reentry,
  checks: flowProblems,
  graph: flowGraph,
});
