/**
 * A flow's step catalogue: every node a journey enters is a step whose id is the node id (the
 * BoomerangStep value, the journey_events step, the idempotency key of its message or coupon).
 * The entry node is not entered (a journey starts at its `next`, as the coded journeys start at
 * their first node) and an exit node ends the journey without a step of its own.
 *
 * Workflow code imports this module: it stays free of zod and I/O. Labels appear in recorded
 * histories (activity and timer summaries); change one only with a patch in mind.
 */
import { DEFAULT_CONTACT_WINDOW } from '../campaigns/defaults.js';
import type { Step, StepKind } from '../campaigns/steps.js';
import type { BranchCondition, FlowCampaign, FlowNode, FlowNodeOf } from './definition.js';

function conditionText(c: BranchCondition): string {
  if (c.inSegment !== undefined) return `is in segment "${c.inSegment}"`;
  if (c.inJourney !== undefined) return `has a running journey in campaign "${c.inJourney}"`;
  if (c.purchased)
    return c.purchased.times > 1
      ? `has purchased ${c.purchased.times} times in the last ${c.purchased.within}`
      : `has purchased in the last ${c.purchased.within}`;
  if (c.entryEvent) {
    const { property, op, value } = c.entryEvent;
    if (op === 'exists' || op === 'not_exists')
      return `entry event's ${property} ${op === 'exists' ? 'exists' : 'does not exist'}`;
    return `entry event's ${property} ${op === 'eq' ? '=' : '≠'} ${JSON.stringify(value)}`;
  }
  const n = c.rule?.conditions.length ?? 0;
  return `matches ${n === 1 ? 'a condition' : `${c.rule?.match ?? 'all'} of ${n} conditions`}`;
}

function templateText(node: FlowNodeOf<'send'>): string {
  return typeof node.template === 'string' ? `"${node.template}"` : '(inline template)';
}

function waitText(node: FlowNodeOf<'wait'>, flow: FlowCampaign): string {
  if (node.duration !== undefined) return `wait ${node.duration}`;
  if (node.until === 'contact_window') {
    const w = node.window ?? flow.contactWindow ?? DEFAULT_CONTACT_WINDOW;
    return `wait for contact window (${w.days.join(',')} ${w.from}–${w.to})`;
  }
  return `wait up to ${node.timeout} for ${node.until?.event}`;
}

/** What a node does, in the words a journey's label and the graph drawings use. */
export function describeNode(node: FlowNode, flow: FlowCampaign): string {
  switch (node.type) {
    case 'entry':
      if (node.trigger === 'launch') return `on launch (${flow.audience.limitation})`;
      if (node.trigger === 'segment_entry') return `on entry into segment "${node.segment}"`;
      return `on event "${node.event}"${node.key ? `, one journey per ${node.key}` : ''}${node.updatedBy ? `, updated by "${node.updatedBy}"` : ''}`;
    case 'wait':
      return waitText(node, flow);
    case 'branch':
      return `${conditionText(node.if)}?`;
    case 'split':
      return `split ${node.arms.map((a) => `${a.name} ${a.weight}`).join(' / ')}`;
    case 'send':
      return `send ${node.channel} ${templateText(node)}${node.coupon ? ` with coupon of ${node.coupon}` : ''}`;
    case 'coupon':
      return `assign coupon from "${node.couponSet}"${node.validFor ? ` (valid ${node.validFor})` : ''}`;
    case 'segment':
      return `${node.action === 'add' ? 'add to' : 'remove from'} segment "${node.segment}"`;
    case 'tag':
      return `${node.action === 'add' ? 'add' : 'remove'} tag "${node.tag}"`;
    case 'exit':
      return `end: ${node.reason}`;
  }
}

function stepKind(node: FlowNode): StepKind {
  switch (node.type) {
    case 'branch':
    case 'split':
      return 'decision';
    case 'wait':
      return 'wait';
    case 'send':
      return node.channel === 'sms' ? 'sms' : node.channel === 'email' ? 'email' : 'action';
    default:
      return 'action';
  }
}

/** The step a journey records as it enters node `id` (entry and exit nodes are never entered). */
export function flowStep(flow: FlowCampaign, id: string): Step {
  const node = flow.nodes[id]!;
  const label = describeNode(node, flow);
  return {
    step: id,
    occurrence: 1,
    label,
    title: label.charAt(0).toUpperCase() + label.slice(1),
    kind: stepKind(node),
  };
}

/** Every step of the flow, by node id: the catalogue the Journey helper follows updates with. */
export function flowSteps(flow: FlowCampaign): Record<string, Step> {
  const steps: Record<string, Step> = {};
  for (const [id, node] of Object.entries(flow.nodes))
    if (node.type !== 'entry' && node.type !== 'exit') steps[id] = flowStep(flow, id);
  return steps;
}
