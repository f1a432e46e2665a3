/** A contact's custom events (POST /events "track"), and the running flow journeys that may wait for one. */
import type { Executor } from './database.js';

export interface ContactEventRecord {
  contactId: number;
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

/** Keeps the event; false when it was kept already (the same contact, name and time). */
export async function recordContactEvent(
  db: Executor,
  event: ContactEventRecord,
): Promise<boolean> {
  const inserted = await db
    .insertInto('contact_events')
    .values({
      contact_id: event.contactId,
      name: event.name,
      properties: JSON.stringify(event.properties),
      occurred_at: event.occurredAt,
    })
    .onConflict((oc) => oc.constraint('contact_events_once').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** A contact's events of one name, the latest first. */
export async function contactEvents(
  db: Executor,
  contactId: number,
  name: string,
): Promise<{ properties: Record<string, unknown>; occurredAt: Date }[]> {
  const rows = await db
    .selectFrom('contact_events')
    .select(['properties', 'occurred_at'])
    .where('contact_id', '=', contactId)
    .where('name', '=', name)
    .orderBy('occurred_at', 'desc')
    .execute();
  return rows.map((r) => ({ properties: r.properties, occurredAt: r.occurred_at }));
}

/** The contact's journeys that have not ended in flow campaigns, with the flow's current definition. */
export async function openFlowJourneys(
  db: Executor,
  contactId: number,
): Promise<{ workflowId: string; definition: unknown }[]> {
  const rows = await db
    .selectFrom('journeys as j')
    .innerJoin('campaigns as c', 'c.id', 'j.campaign_id')
    .select(['j.workflow_id', 'c.definition'])
    .where('j.contact_id', '=', contactId)
    .where('j.ended_at', 'is', null)
    .where('c.kind', '=', 'flow')
    .execute();
  return rows.map((r) => ({ workflowId: r.workflow_id, definition: r.definition }));
}
