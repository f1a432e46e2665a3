/**
 * Flows and the contact's events: the entry event a registration or an order gives a flow, and telling running
 * flow journeys about a contact's custom event: those whose flow has a wait for an event of that
 * name, exits on it (`exitWhen.events`) or updates its entry with it (`updatedBy`) get the
 * `flowEvent` signal (a journey not at that wait keeps it, as the coded journeys keep a purchase,
 * for a later wait of the same name to see only newer ones).
 */
import type { Client } from '@temporalio/client';
import { reachableFlowJourneys } from '../db/contact-events.js';
import type { Db } from '../db/database.js';
import type { ContactInput } from '../domain/contacts.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import type {
  ORDER_EVENT_PROPERTIES,
  REGISTRATION_EVENT_PROPERTIES,
} from '../domain/flows/own-events.js';
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

/**
 * An order as the flow event of its purchase or of its refund: the store's order id (a flow keyed
 * per order, `key: order_id`, hears the refund of its own order only), its source and total.
 */
export function orderFlowEvent(
  name: 'purchase' | 'order_refunded',
  order: { id: string; source: string; total: number },
  at: Date,
): FlowEvent {
  const properties: Record<(typeof ORDER_EVENT_PROPERTIES)[number], unknown> = {
    order_id: order.id,
    source: order.source,
    total: order.total,
  };
  return {
    name,
    properties,
    occurredAt: at.toISOString(),
  };
}

/** Does the flow wait for an event named `name` anywhere, exit on it, or update its entry with it? */
function listensFor(flow: FlowCampaign, name: string): boolean {
  return (
    (flow.exitWhen?.events ?? []).includes(name) ||
    Object.values(flow.nodes ?? {}).some(
      (node) =>
        (node.type === 'wait' && typeof node.until === 'object' && node.until.event === name) ||
        (node.type === 'entry' && node.updatedBy === name),
    )
  );
}

/**
 * Signals the contact's running flow journeys that wait for `event`, except those in `skip`; as
 * with a purchase, those whose run wrote its end lately too (their workflow may still be open).
 */
export async function signalFlowEvent(
  deps: { client: Client; db: Db },
  contactId: number,
  event: FlowEvent,
  skip: ReadonlySet<string> = new Set(),
): Promise<number> {
  // A journey may run an older version than the campaign's (kept, or not yet adopted at its
  // node): it is signalled when any version it may run listens; one that does not ignores it.
  const waiting = (await reachableFlowJourneys(deps.db, contactId))
    .filter(
      ({ workflowId, definitions }) =>
        !skip.has(workflowId) &&
        definitions.some((definition) => listensFor(definition as FlowCampaign, event.name)),
    )
    .map(({ workflowId }) => workflowId);
  return signalJourneys(deps.client, waiting, flowEventSignal, event);
}
