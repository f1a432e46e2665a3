/**
 * The flow interpreter: one workflow runs every flow (domain/flows), a journey per contact, on the
 * same Journey helper as the coded kinds — so enrolment, steps, the `journey` query, journey
 * events, the purchase / stop / updateDefinition signals and the result are theirs.
 *
 * Node ids are steps. The journey starts at the entry node's `next` (the entry node is the
 * trigger, not a step, as the coded journeys have no "start" step). Each node it meets is entered
 * as the step whose id is the node id — the BoomerangStep value, the journey_events step, and the
 * idempotency key of its message — and labelled from the node (domain/flows/steps.ts). A node met
 * again through a loop records `id#2`, `id#3`…; an exit node ends the journey with its reason and
 * no step of its own, as a coded journey's `return 'purchased'`.
 *
 * Definition updates are adopted at the next node, as for the coded kinds: `Journey.enter` takes a
 * pending update when the journey enters a node, and each node function reads its settings and
 * its exits from the definition the journey runs under after entering it (`FlowRun.node`). So a
 * node runs under one version, and where it leads is decided by the version it ran under. The
 * node's type is read just before it is entered; an adopted update that removed the node or
 * changed its type fails the journey naming the node (the server refuses such an adopt).
 *
 * One small function per node type lives in ./flow-nodes/<type>.ts.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  flowEventSignal,
  type FlowEvent,
  type JourneyInput,
  type JourneyResult,
} from '../campaigns/journey-contract.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { entryNodeId } from '../domain/flows/graph.js';
import { flowSteps } from '../domain/flows/steps.js';
import { FlowRun, NODE_FUNCTIONS } from './flow-nodes/index.js';
import { runJourney } from './journey.js';

export { flowEventSignal, type FlowEvent } from '../campaigns/journey-contract.js';

export interface FlowJourneyInput extends JourneyInput<FlowCampaign> {
  /** The event the journey started on (entry on an event): branches may test its properties. */
  entryEvent?: FlowEvent;
}

export async function flowJourney(input: FlowJourneyInput): Promise<JourneyResult> {
  return runJourney(input, flowSteps, async (journey) => {
    const run = new FlowRun(journey, input.entryEvent);
    setHandler(flowEventSignal, (event) => run.hear(event));
    const entry = journey.campaign.nodes[entryNodeId(journey.campaign.nodes) ?? ''];
    if (entry?.type !== 'entry')
      throw ApplicationFailure.nonRetryable('the flow has no entry node', 'InvalidFlow');
    let id = entry.next;
    for (;;) {
      // Exit criterion "on purchase": between nodes, a purchase signalled since the start ends it.
      if (journey.campaign.exitWhen?.purchase && journey.purchasedSince(run.startedAt))
        return 'purchased';
      const node = journey.campaign.nodes[id];
      if (!node || node.type === 'entry')
        throw ApplicationFailure.nonRetryable(`flow node "${id}" cannot be run`, 'InvalidFlow');
      const outcome = await NODE_FUNCTIONS[node.type](run, id);
      if ('end' in outcome) return outcome.end;
      id = outcome.next;
    }
  });
}
