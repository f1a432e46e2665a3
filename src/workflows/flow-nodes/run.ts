/**
 * What every node function of the flow interpreter shares: the journey it runs in, the coupons
 * assigned so far, the events received, and the node as the definition the journey runs under
 * now describes it. Workflow code: deterministic, imports only @temporalio/workflow and types.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { EndReason, FlowEvent } from '../../campaigns/journey-contract.js';
import type { Step } from '../../domain/campaigns/steps.js';
import type { FlowCampaign, FlowNodeOf, FlowNodeType } from '../../domain/flows/definition.js';
import { entryNodeId } from '../../domain/flows/graph.js';
import { flowStep } from '../../domain/flows/steps.js';
import type { Journey } from '../journey.js';

export type { FlowEvent } from '../../campaigns/journey-contract.js';

export interface Coupon {
  code: string;
  expiresAt: string | null;
}

/**
 * Journeys keyed per entry value (a checkout, an order) whose waits hear only their own key's
 * events. Asked only when another key's event arrives, so journeys that never get one record no
 * marker; journeys that heard one before this patch keep hearing it on replay.
 */
export const KEYED_WAITS_HEAR_OWN_KEY = 'keyed-waits-hear-own-key';

/** Where a node leads: the id of the next node, or the end of the journey with a reason. */
export type NodeOutcome = { next: string } | { end: EndReason };

export class FlowRun {
  /** Coupons assigned so far, by coupon node id (absent for a control-group contact). */
  readonly coupons = new Map<string, Coupon | undefined>();
  /** Events signalled since the journey started, in the order they came. */
  readonly events: FlowEvent[] = [];
  /** Workflow time: deterministic. */
  readonly startedAt = Date.now();
  private readonly visits = new Map<string, number>();

  constructor(
    readonly journey: Journey<FlowCampaign>,
    /** The event the journey started on, its properties kept current by the entry's `updatedBy`. */
    public entryEvent: FlowEvent | undefined,
  ) {}

  /**
   * An event signalled to the journey. With a keyed entry, one carrying another value of the key
   * (another checkout, another order) is not the journey's: its waits do not hear it; one
   * without the key (a custom event of the contact's) they do. Only one carrying the journey's
   * key may update the entry event (`updatedBy`) or end the journey (`exitWhen.events`).
   */
  hear(event: FlowEvent): void {
    const flow = this.journey.campaign;
    const entry = flow.nodes[entryNodeId(flow.nodes) ?? ''];
    const key = entry?.type === 'entry' ? entry.key : undefined;
    const value = (e: FlowEvent | undefined) => (key ? e?.properties?.[key] : undefined);
    const own =
      key !== undefined &&
      value(event) !== undefined &&
      String(value(event)) === String(value(this.entryEvent));
    const anotherKey = key !== undefined && value(event) !== undefined && !own;
    if (!(anotherKey && patched(KEYED_WAITS_HEAR_OWN_KEY))) this.events.push(event);
    if (key && !own) return;
    if (entry?.type === 'entry' && entry.updatedBy === event.name && this.entryEvent)
      this.entryEvent = { ...this.entryEvent, properties: event.properties ?? {} };
    if (flow.exitWhen?.events?.includes(event.name))
      // A flow names its own reasons, as exit nodes do.
      this.journey.endNow(event.name as EndReason);
  }

  /**
   * The step of a node's next visit. Its id is the node id; a node met again (a loop through a
   * wait) records `id#2`, `id#3`…, since a step sends at most one message.
   */
  step(id: string): Step {
    const visit = (this.visits.get(id) ?? 0) + 1;
    this.visits.set(id, visit);
    const step = flowStep(this.journey.campaign, id);
    return visit === 1 ? step : { ...step, step: `${id}#${visit}` };
  }

  /** Node `id` of the definition the journey runs under now (an adopted update included). */
  node<T extends FlowNodeType>(id: string, type: T): FlowNodeOf<T> {
    return nodeOf(this.journey.campaign, id, type, this.journey.definitionVersion);
  }
}

/**
 * Node `id` of `flow`, of the type the journey met it as. An update that removed the node or
 * changed its type cannot be adopted mid-journey (the server refuses it); should one arrive, the
 * journey fails naming the node rather than guess.
 */
export function nodeOf<T extends FlowNodeType>(
  flow: FlowCampaign,
  id: string,
  type: T,
  version: number,
): FlowNodeOf<T> {
  const node = flow.nodes[id];
  if (node?.type !== type)
    throw ApplicationFailure.nonRetryable(
      `flow node "${id}" is not a ${type} node in definition version ${version}`,
      'FlowNodeChanged',
    );
  return node as FlowNodeOf<T>;
}

export type NodeFunction = (run: FlowRun, id: string) => Promise<NodeOutcome>;
