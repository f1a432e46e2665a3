/**
 * Flows and the contact's events: the entry event a registration or an order gives a flow, and
 * telling running flow journeys about a contact's custom event or a change of an order's: those
 * whose flow has a wait for an event of that name, exits on it (`exitWhen.events`) or updates its
 * entry with it (`updatedBy`) get the `flowEvent` signal (a journey not at that wait keeps it, as
 * the coded journeys keep a purchase, for a later wait of the same name to see only newer ones); of
 * a flow keyed per checkout or order, only the journey of the event's own key, or, for an event
 * without the key, those whose waits hear it.
 */
import type { Client } from '@temporalio/client';
import { reachableFlowJourneys } from '../db/contact-events.js';
import type { Db } from '../db/database.js';
import type { ContactInput } from '../domain/contacts.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { entryNodeId } from '../domain/flows/graph.js';
import type {
  ORDER_EVENT_PROPERTIES,
  PARTIAL_REFUND_EVENT_PROPERTIES,
  REGISTRATION_EVENT_PROPERTIES,
} from '../domain/flows/own-events.js';
import { keyedJourneyWorkflowId } from './enrolment.js';
import { flowEventSignal, type FlowEvent } from './journey-contract.js';
import { signalJourneys } from './lifecycle.js';

/**
 * A registration as the entry event of the flows it starts, so their branches can test it
 * (`entryEvent: { property: country, value: ES }`). Its properties are the store's words for what
 * the contact chose, not who they are: journey inputs live in Temporal's histories, and names,
 * emails and phone numbers stay in Postgres.
 */
export function registrationEntryEvent(
  registration: { contact: ContactInput; registeredAt?: Date },
  receivedAt: Date,
): FlowEvent {
  const { country, locale, timezone, newsletterStatus, smsConsent } = registration.contact;
  const properties: Record<(typeof REGISTRATION_EVENT_PROPERTIES)[number], unknown> = {
    country,
    locale,
    timezone,
    newsletter: newsletterStatus,
    sms_consent: smsConsent,
  };
  return {
    name: 'account_registered',
    properties: Object.fromEntries(
      Object.entries(properties).filter(([, v]) => v !== undefined && v !== null),
    ),
    occurredAt: (registration.registeredAt ?? receivedAt).toISOString(),
  };
}

/** What a flow hears of an order: the store's order id, its source and total. */
function orderProperties(order: {
  id: string;
  source: string;
  total: number;
}): Record<(typeof ORDER_EVENT_PROPERTIES)[number], unknown> {
  return { order_id: order.id, source: order.source, total: order.total };
}

/**
 * An order as the flow event of its purchase, its refund in full or its cancellation: the order's
 * properties, so a flow keyed per order (`key: order_id`) hears its own order's only.
 */
export function orderFlowEvent(
  name: 'purchase' | 'order_refunded' | 'order_cancelled',
  order: { id: string; source: string; total: number },
  at: Date,
): FlowEvent {
  return { name, properties: orderProperties(order), occurredAt: at.toISOString() };
}

/** A partial refund of an order as a flow event: the order's properties and the amount refunded. */
export function partialRefundFlowEvent(
  order: { id: string; source: string; total: number },
  amount: number,
  at: Date,
): FlowEvent {
  const properties: Record<(typeof PARTIAL_REFUND_EVENT_PROPERTIES)[number], unknown> = {
    ...orderProperties(order),
    amount,
  };
  return { name: 'order_partially_refunded', properties, occurredAt: at.toISOString() };
}

/**
 * Does a journey of `flow` (its workflow `workflowId`, of contact `contactId`) hear `event`, as
 * its workflow decides (FlowRun.hear, workflows/flow-nodes/run.ts): a wait for an event of that
 * name, an exit on it or an entry update with it. With a keyed entry, an event carrying another
 * value of the key reaches none of them, and one without the key reaches the waits only.
 */
function reaches(
  flow: FlowCampaign,
  journey: { workflowId: string; contactId: number },
  event: FlowEvent,
): boolean {
  const nodes = flow.nodes ?? {};
  const waits = Object.values(nodes).some(
    (node) =>
      node.type === 'wait' && typeof node.until === 'object' && node.until.event === event.name,
  );
  const endsOrUpdates =
    (flow.exitWhen?.events ?? []).includes(event.name) ||
    Object.values(nodes).some((node) => node.type === 'entry' && node.updatedBy === event.name);
  if (!waits && !endsOrUpdates) return false;
  const entry = nodes[entryNodeId(nodes) ?? ''];
  const key = entry?.type === 'entry' ? entry.key : undefined;
  if (key === undefined) return true;
  const value = event.properties?.[key];
  if (value === undefined) return waits;
  // A keyed journey's workflow id names its own value (enrolment.ts); as text, as the workflow
  // compares them.
  return journey.workflowId === keyedJourneyWorkflowId(flow.id, journey.contactId, String(value));
}

/**
 * Signals the contact's running flow journeys that `event` reaches (a keyed journey: only its own
 * key's event, or one without the key that a wait of it hears), except those in `skip`, and
 * returns how many took it; as with a purchase, those whose run wrote its end lately too (their
 * workflow may still be open).
 */
export async function signalFlowEvent(
  deps: { client: Client; db: Db },
  contactId: number,
  event: FlowEvent,
  skip: ReadonlySet<string> = new Set(),
): Promise<number> {
  // A journey may run an older version than the campaign's (kept, or not yet adopted at its
  // node): it is signalled when the event reaches any version it may run; one that does not
  // ignores it.
  const waiting = (await reachableFlowJourneys(deps.db, contactId))
    .filter(
      ({ workflowId, definitions }) =>
        !skip.has(workflowId) &&
        definitions.some((definition) =>
          reaches(definition as FlowCampaign, { workflowId, contactId }, event),
        ),
    )
    .map(({ workflowId }) => workflowId);
  return signalJourneys(deps.client, waiting, flowEventSignal, event);
}
