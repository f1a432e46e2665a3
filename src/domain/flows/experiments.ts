/**
 * The experiments of a flow: split nodes with `experiment`, and send nodes with template
 * `variants` (an implicit experiment whose arms are the node's own template, "control", and each
 * variant). Which arm a contact takes, and the definition that concludes an experiment. Pure and
 * free of zod: workflow code imports it.
 */
import type { TemplateRef } from '../../campaigns/kinds/common.js';
import type { FlowCampaign, FlowNodeOf } from './structure.js';
import { nodeOrder } from './graph.js';
import { chooseArm, SEND_CONTROL_ARM } from './split.js';

export interface ExperimentSettings {
  control?: string | undefined;
  autoConclude: boolean;
  minimumDetectableEffect: number;
  winner?: string | undefined;
}

const DEFAULT_SETTINGS: ExperimentSettings = { autoConclude: false, minimumDetectableEffect: 0.02 };

export interface FlowExperiment {
  /** The node id: the experiment's name in the report and in `experiment conclude`. */
  node: string;
  type: 'split' | 'send';
  /** Arm names, in the definition's order; the control among them. */
  arms: string[];
  control: string;
  settings: ExperimentSettings;
}

type ArmNode = FlowNodeOf<'split'> | FlowNodeOf<'send'>;

/** A send node's arms: its own template ("control"), then each variant, all of weight 1. */
export function sendArms(
  node: FlowNodeOf<'send'>,
): { name: string; template: TemplateRef; weight: number }[] {
  return [{ name: SEND_CONTROL_ARM, template: node.template }, ...(node.variants ?? [])].map(
    (arm) => ({ ...arm, weight: 1 }),
  );
}

function armsOf(node: ArmNode): { name: string; weight: number }[] {
  return node.type === 'split' ? node.arms : sendArms(node);
}

/**
 * The arm contact `contactId` takes at node `id`: the concluded winner, else the one its id and
 * the node's id pick (so a replay and a report find the same arm).
 */
export function armOf<A extends { name: string; weight: number }>(
  arms: readonly A[],
  winner: string | undefined,
  contactId: number,
  id: string,
): A {
  return arms.find((a) => a.name === winner) ?? chooseArm(arms, contactId, id);
}

/** Every experiment of a flow, in the order a journey meets them from the entry node. */
export function flowExperiments(flow: FlowCampaign): FlowExperiment[] {
  const found: FlowExperiment[] = [];
  for (const node of nodeOrder(flow.nodes)) {
    const n = flow.nodes[node]!;
    if (n.type === 'split' && n.experiment) found.push(experimentOf(node, n, n.experiment));
    if (n.type === 'send' && n.variants)
      found.push(experimentOf(node, n, n.experiment ?? DEFAULT_SETTINGS));
  }
  return found;
}

function experimentOf(node: string, n: ArmNode, settings: ExperimentSettings): FlowExperiment {
  const arms = armsOf(n).map((a) => a.name);
  return { node, type: n.type, arms, control: settings.control ?? arms[0]!, settings };
}

export class NotAnExperimentError extends Error {
  constructor(campaignId: string, node: string, known: string[]) {
    super(
      `campaign "${campaignId}" has no experiment at node "${node}"; ${known.length ? `its experiments: ${known.join(', ')}` : 'it has none (a split with "experiment", or a send with "variants")'}`,
    );
    this.name = 'NotAnExperimentError';
  }
}

export class UnknownArmError extends Error {
  constructor(node: string, arm: string, arms: string[]) {
    super(`experiment "${node}" has no arm "${arm}"; its arms: ${arms.join(', ')}`);
    this.name = 'UnknownArmError';
  }
}

/**
 * The definition in which experiment `node` is concluded for `arm`: its `winner`, which every
 * journey that meets the node from then on takes. The arms and their weights stay, so the report
 * still tells the arms apart.
 */
export function concludedFlow(flow: FlowCampaign, node: string, arm: string): FlowCampaign {
  const experiment = flowExperiments(flow).find((e) => e.node === node);
  if (!experiment)
    throw new NotAnExperimentError(
      flow.id,
      node,
      flowExperiments(flow).map((e) => e.node),
    );
  if (!experiment.arms.includes(arm)) throw new UnknownArmError(node, arm, experiment.arms);
  const n = flow.nodes[node] as ArmNode;
  return {
    ...flow,
    nodes: {
      ...flow.nodes,
      [node]: { ...n, experiment: { ...experiment.settings, winner: arm } },
    },
  };
}
