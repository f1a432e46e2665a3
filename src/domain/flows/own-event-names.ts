/**
 * Boomerang's own events named where a flow never hears them. A custom event may not take their
 * names (the store's POST /events refuses it), so a flow that starts on, waits for or exits on one
 * of them where Boomerang does not deliver it would wait in vain: a registration starts journeys
 * but is not told to running ones, and a checkout's journey starts on checkout_started alone (an
 * order's refund, partial refund and cancellation, order_refunded, order_partially_refunded and
 * order_cancelled, do both). The schema lets these names pass, as any event name; checked before
 * a flow is saved (the flow kind's checks), as ./checkout-names.ts is.
 *
 * Pure.
 */
import { CHECKOUT_EVENTS } from '../checkouts.js';
import type { FlowCampaign } from './definition.js';

/** Why an entry on each own event that starts no journey never starts one, and what to use. */
const NOT_AN_ENTRY: ReadonlyMap<string, string> = new Map(
  [CHECKOUT_EVENTS.updated, CHECKOUT_EVENTS.completed, CHECKOUT_EVENTS.deleted].map(
    (name): [string, string] => [
      name,
      `a checkout's journey starts on "${CHECKOUT_EVENTS.started}" (its "${name}" reaches the running journey: updatedBy, a wait, exitWhen.events)`,
    ],
  ),
);

/** Why each own event never reaches a running journey's wait, exit or update, and what to use. */
const NOT_TOLD: ReadonlyMap<string, string> = new Map([
  [
    'account_registered',
    'a registration starts journeys (entry: trigger event, event: account_registered) but is not told to running ones',
  ],
]);

/** Each problem as `path: message`, the path that of the field. */
export function ownEventNameProblems(flow: FlowCampaign): string[] {
  const problems: string[] = [];
  const told = (path: string, name: string, purchase: string | undefined) => {
    const why = name === 'purchase' ? purchase : NOT_TOLD.get(name);
    if (why) problems.push(`${path}: "${name}" never reaches a running journey here: ${why}`);
  };
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'entry') {
      const why = node.event === undefined ? undefined : NOT_AN_ENTRY.get(node.event);
      if (why) problems.push(`nodes.${id}.event: "${node.event}" starts no journey: ${why}`);
      if (node.updatedBy)
        told(
          `nodes.${id}.updatedBy`,
          node.updatedBy,
          'an order updates no entry event; a purchase reaches running journeys through exitWhen.purchase and waits until { event: purchase }',
        );
    }
    // A wait until a purchase hears the purchase signal (workflows/flow-nodes/wait.ts).
    if (node.type === 'wait' && typeof node.until === 'object')
      told(`nodes.${id}.until.event`, node.until.event, undefined);
  }
  for (const [i, name] of (flow.exitWhen?.events ?? []).entries())
    told(
      `exitWhen.events[${i}]`,
      name,
      'a purchase ends a journey with `exitWhen: { purchase: true }`',
    );
  return problems;
}
