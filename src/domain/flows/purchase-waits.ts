/**
 * A wait until a purchase with `where`. Such a wait hears the contact's purchase signal
 * (workflows/flow-nodes/wait.ts), which carries no order properties and which every order of the
 * contact sends, so `where` would never be applied: the wait would end on any purchase. The
 * schema lets `where` pass, as on any event wait; refused before a flow is saved (the flow kind's
 * checks), not when a stored one is read, so a flow saved with one still loads and its running
 * journeys go on as they ran.
 *
 * Pure.
 */
import { isCheckoutEvent } from './checkout-names.js';
import type { FlowCampaign } from './definition.js';
import { entryNodeId } from './graph.js';

/** What a purchase wait hears in a journey keyed per `key`. */
function keyedNote(key: string, entryEvent: string | undefined): string {
  return isCheckoutEvent(entryEvent)
    ? '; a journey per checkout hears every order of the contact here too, not only the one that completes its checkout (a wait until { event: checkout_completed } hears that one)'
    : `; a journey keyed per ${key} hears every purchase of the contact here too, whatever its ${key}`;
}

/** Each problem as `path: message`, the path that of the field. */
export function purchaseWaitProblems(flow: FlowCampaign): string[] {
  const entry = flow.nodes[entryNodeId(flow.nodes) ?? ''];
  const keyed = entry?.type === 'entry' && entry.key ? keyedNote(entry.key, entry.event) : '';
  const problems: string[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'wait' || typeof node.until !== 'object') continue;
    const { event, where } = node.until;
    if (event !== 'purchase' || Object.keys(where ?? {}).length === 0) continue;
    problems.push(
      `nodes.${id}.until.where: a wait until a purchase hears every purchase of the contact and ends on the first, whatever its properties, so "where" would be ignored; remove it${keyed}`,
    );
  }
  return problems;
}
