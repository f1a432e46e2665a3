/**
 * Accepting events: validate, then write them to `inbox_events` — the one thing that happens
 * before the store gets its answer. Applying them is the processor's job (processor.ts).
 *
 * Each event has a dedupe key, unique per source: the store's `event_id` when it gives one, else
 * a SHA-256 of the event's canonical JSON (keys sorted), so a retried request is stored once.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { type EventProblem, type InboxEvent, validateEventsBody } from './events.js';

/** Where an event came from: `api` (POST /events), `shopify` (webhooks), `cli` (boomerang event). */
export type InboxSource = 'api' | 'shopify' | 'cli';

export interface StoredEvent {
  /** inbox_events.id */
  id: number;
  type: InboxEvent['type'];
  /** The same event was received before (same source and dedupe key); nothing new was stored. */
  duplicate: boolean;
  /** When the (earlier) event was applied; null while pending. */
  processedAt: Date | null;
}

export type AcceptResult =
  { ok: true; events: StoredEvent[] } | { ok: false; problems: EventProblem[] };

/** JSON with object keys sorted at every level: equal events give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `event:<event_id>`, else `sha256:<hash of the canonical event without event_id>`. */
export function dedupeKeyOf(wire: Record<string, unknown>): string {
  const { event_id: eventId, ...rest } = wire;
  if ((typeof eventId === 'string' && eventId.trim()) || typeof eventId === 'number')
    return `event:${String(eventId).trim()}`;
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`;
}

/**
 * Validates a body (one event or `{"events": […]}`) and stores its events in one transaction:
 * all or nothing. `dedupeKey` replaces the computed key of a single event (Shopify's webhook id).
 */
export async function acceptEvents(
  db: Db,
  source: InboxSource,
  body: unknown,
  opts: { dedupeKey?: string } = {},
): Promise<AcceptResult> {
  const validation = validateEventsBody(body);
  if (!validation.ok) return validation;
  if (opts.dedupeKey !== undefined && validation.events.length !== 1)
    throw new Error('a dedupe key can only be given for a single event');
  const events = await db.transaction().execute(async (trx) => {
    const stored: StoredEvent[] = [];
    for (const { wire, event } of validation.events) {
      const dedupeKey = opts.dedupeKey ?? dedupeKeyOf(wire);
      const inserted = await trx
        .insertInto('inbox_events')
        .values({ source, dedupe_key: dedupeKey, type: event.type, payload: JSON.stringify(wire) })
        .onConflict((oc) => oc.columns(['source', 'dedupe_key']).doNothing())
        .returning(['id', 'processed_at'])
        .executeTakeFirst();
      if (inserted) {
        stored.push({
          id: inserted.id,
          type: event.type,
          duplicate: false,
          processedAt: inserted.processed_at,
        });
        continue;
      }
      const existing = await trx
        .selectFrom('inbox_events')
        .select(['id', 'processed_at'])
        .where('source', '=', source)
        .where('dedupe_key', '=', dedupeKey)
        .executeTakeFirstOrThrow();
      stored.push({
        id: existing.id,
        type: event.type,
        duplicate: true,
        processedAt: existing.processed_at,
      });
    }
    return stored;
  });
  return { ok: true, events };
}
