/**
 * Telling running flow journeys about a contact's custom event: those whose flow has a wait for an
 * event of that name, exits on it (`exitWhen.events`) or updates its entry with it (`updatedBy`)
 * get the `flowEvent` signal (a journey not at that wait keeps it, as the coded journeys keep a
 * purchase, for a later wait of the same name to see only newer ones).
 */
import type { Client } from '@temporalio/client';
import { openFlowJourneys } from '../db/contact-events.js';
import type { Db } from '../db/database.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { flowEventSignal, type FlowEvent } from './journey-contract.js';
import { signalJourneys } from './lifecycle.js';

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

/** Signals the contact's running flow journeys that wait for `event`, except those in `skip`. */
export async function signalFlowEvent(
  deps: { client: Client; db: Db },
  contactId: number,
  event: FlowEvent,
  skip: ReadonlySet<string> = new Set(),
): Promise<number> {
  const waiting = (await openFlowJourneys(deps.db, contactId))
    .filter(
      ({ workflowId, definition }) =>
        !skip.has(workflowId) && listensFor(definition as FlowCampaign, event.name),
    )
    .map(({ workflowId }) => workflowId);
  return signalJourneys(deps.client, waiting, flowEventSignal, event);
}
