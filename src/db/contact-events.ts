/** A contact's custom events (POST /events "track"), and the flow journeys that may wait for one. */
import { sql } from 'kysely';
import type { Executor } from './database.js';
import { mayTakeSignals } from './journeys.js';

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

/**
 * The contact's journeys in flow campaigns that a signal may still reach (not ended, or ended by
 * their run so recently that the workflow may still be open: mayTakeSignals), each with the
 * definitions it may be running: the version of its latest step and every later one (it may have adopted one since),
 * newest first. A journey kept on an older version waits for what that version says.
 */
export async function reachableFlowJourneys(
  db: Executor,
  contactId: number,
): Promise<{ workflowId: string; definitions: unknown[] }[]> {
  const { rows } = await sql<{ workflow_id: string; definitions: unknown[] }>`
    SELECT j.workflow_id, jsonb_agg(v.definition ORDER BY v.version DESC) AS definitions
      FROM journeys j
      JOIN campaigns c ON c.id = j.campaign_id
      JOIN campaign_versions v
        ON v.campaign_id = j.campaign_id AND v.version >= j.definition_version
     WHERE j.contact_id = ${contactId} AND ${mayTakeSignals('j')} AND c.kind = 'flow'
     GROUP BY j.workflow_id`.execute(db);
  return rows.map((r) => ({ workflowId: r.workflow_id, definitions: r.definitions }));
}
