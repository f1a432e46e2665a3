/**
 * The checkout names a flow gives that no event will ever carry: a misspelt checkout event
 * (`checkout_complete`, a letter or two from one) or a key checkout events lack (`checkout_idd`).
 * The schema lets both pass, as custom events are free, and at run time they fail silently: the journey never starts, or
 * never ends when its checkout completes. Checked before a flow is saved (the flow kind's checks),
 * not when a stored one is read, so a definition saved before these checks still loads.
 *
 * Pure.
 */
import { CHECKOUT_EVENTS, CHECKOUT_KEY_PROPERTIES } from '../checkouts.js';
import type { FlowCampaign } from './definition.js';
import { closestName } from '../edit-distance.js';

const CHECKOUT_EVENT_NAMES: readonly string[] = Object.values(CHECKOUT_EVENTS);

/** Is `name` one of the store's checkout events? */
export const isCheckoutEvent = (name: string | undefined) =>
  name !== undefined && CHECKOUT_EVENT_NAMES.includes(name);

/**
 * The checkout event `name` misspells: one a letter or two away. A name further from every one
 * (`checkout_paid`) is a custom event of the shop's own, free as custom events are.
 */
function misspeltCheckoutEvent(name: string | undefined): string | undefined {
  if (name === undefined || isCheckoutEvent(name)) return undefined;
  return closestName(name, CHECKOUT_EVENT_NAMES);
}

/** Each problem as `path: message`, the path that of the field. */
export function checkoutNameProblems(flow: FlowCampaign): string[] {
  const named: { path: string; name: string | undefined }[] = [];
  const problems: string[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type === 'entry') {
      named.push({ path: `nodes.${id}.event`, name: node.event });
      named.push({ path: `nodes.${id}.updatedBy`, name: node.updatedBy });
      if (node.key && isCheckoutEvent(node.event) && !CHECKOUT_KEY_PROPERTIES.includes(node.key))
        problems.push(
          `nodes.${id}.key: checkout events carry no property "${node.key}" to key on; use one of ${CHECKOUT_KEY_PROPERTIES.join(', ')}`,
        );
    }
    if (node.type === 'wait' && typeof node.until === 'object')
      named.push({ path: `nodes.${id}.until.event`, name: node.until.event });
  }
  for (const [i, name] of (flow.exitWhen?.events ?? []).entries())
    named.push({ path: `exitWhen.events[${i}]`, name });
  for (const { path, name } of named) {
    const meant = misspeltCheckoutEvent(name);
    if (meant)
      problems.push(
        `${path}: unknown checkout event "${name}"; did you mean "${meant}"? (checkout events: ${CHECKOUT_EVENT_NAMES.join(', ')})`,
      );
  }
  return problems;
}
