/**
 * The variables a flow's own (inline) templates read that no journey of the flow will ever have.
 * Liquid renders an unknown variable empty, so `{{ contact.firstname }}` or a `{{ coupon.code }}`
 * in a send without a coupon would go out as a blank in every message; what a send is given is
 * fixed by the flow (its coupon node, its entry), so such a name is a mistake, named before saving.
 * Built-in templates serve sends with and without a coupon, and are not checked here.
 */
import { variablesRead } from '../../../channels/templates.js';
import {
  ORDER_EVENT_PROPERTIES,
  PARTIAL_REFUND_EVENT_PROPERTIES,
  REGISTRATION_EVENT_PROPERTIES,
} from '../../../domain/flows/own-events.js';
import { CHECKOUT_EVENTS } from '../../../domain/checkouts.js';
import { closestName } from '../../../domain/edit-distance.js';
import type { FlowCampaign, FlowNodeOf } from '../../../domain/flows/definition.js';
import {
  TEMPLATE_CONTACT_FIELDS,
  TEMPLATE_SHOP_FIELDS,
} from '../../../domain/messages/variables.js';

/** What a flow journey's coupon variable holds (workflows/journey.ts). */
const COUPON_FIELDS = ['code', 'expires_at'];

/** The entry event's properties where Boomerang writes them (campaigns/flow-events.ts). */
const EVENT_PROPERTIES: Record<string, readonly string[]> = {
  purchase: ORDER_EVENT_PROPERTIES,
  order_refunded: ORDER_EVENT_PROPERTIES,
  order_partially_refunded: PARTIAL_REFUND_EVENT_PROPERTIES,
  order_cancelled: ORDER_EVENT_PROPERTIES,
  account_registered: REGISTRATION_EVENT_PROPERTIES,
};

const show = (path: string[]) => `"${path.join('.')}"`;

/** What a send node's templates see, and why a name is missing from it. */
function scopeOf(flow: FlowCampaign, node: FlowNodeOf<'send'>) {
  const entry = Object.values(flow.nodes).find((n) => n.type === 'entry');
  const event = entry?.type === 'entry' ? entry.event : undefined;
  const coupons = Object.entries(flow.nodes).flatMap(([id, n]) =>
    n.type === 'coupon' ? [id] : [],
  );
  // A custom or checkout event's properties are the store's own: any name may be there.
  const free = new Set(['checkout']);
  if (event !== undefined && !EVENT_PROPERTIES[event]) free.add('event');
  const fields: Record<string, readonly string[] | undefined> = {
    contact: TEMPLATE_CONTACT_FIELDS,
    shop: TEMPLATE_SHOP_FIELDS,
    coupon: node.coupon === undefined ? undefined : COUPON_FIELDS,
    event: event === undefined ? undefined : (EVENT_PROPERTIES[event] ?? []),
    checkout: event === CHECKOUT_EVENTS.started ? [] : undefined,
  };
  const absent: Record<string, string> = {
    coupon: `the node has no coupon; name the coupon node it sends with: \`coupon: ${coupons[0] ?? 'ID'}\`${coupons.length ? '' : ' (add a coupon node before it)'}`,
    event: 'the flow does not start on an event (its entry has no `event`)',
    checkout: `only a flow that starts on "${CHECKOUT_EVENTS.started}" has the checkout`,
  };
  return { fields, absent, free };
}

/** Each problem as `path: message`, at the node's template (or variant's) and part. */
export function templateVariableProblems(flow: FlowCampaign): string[] {
  const problems: string[] = [];
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'send') continue;
    const scope = scopeOf(flow, node);
    const templates = [
      { at: `nodes.${id}.template`, template: node.template },
      ...(node.variants ?? []).map((v, i) => ({
        at: `nodes.${id}.variants.${i}.template`,
        template: v.template,
      })),
    ];
    for (const { at, template } of templates) {
      if (typeof template === 'string') continue;
      for (const { part, path } of variablesRead(template)) {
        const [root, field] = path as [string, string | undefined];
        const where = `${at}.${part}`;
        if (root === 'unsubscribe_url') continue;
        if (!Object.hasOwn(scope.fields, root)) {
          const meant = closestName(root, Object.keys(scope.fields));
          problems.push(
            `${where}: unknown variable ${show(path)}${meant ? `; did you mean "${meant}"?` : ''} (a template sees contact, shop, unsubscribe_url, and coupon, event, checkout where the flow has them)`,
          );
          continue;
        }
        const known = scope.fields[root];
        if (known === undefined) {
          problems.push(`${where}: ${show(path)} is always empty here: ${scope.absent[root]}`);
          continue;
        }
        if (field === undefined || scope.free.has(root) || known.includes(field)) continue;
        const meant = closestName(field, known);
        problems.push(
          `${where}: unknown variable ${show(path)}${meant ? `; did you mean "${root}.${meant}"?` : ''} (${root} has ${known.join(', ')})`,
        );
      }
    }
  }
  return problems;
}
