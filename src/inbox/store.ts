/**
 * Accepting events: validate, then write them to `inbox_events` — the one thing that happens
 * before the store gets its answer. Applying them is the processor's job (processor.ts).
 *
 * Each event has a dedupe key, unique per source: the store's `event_id` when it gives one, else
 * a SHA-256 of the event's canonical JSON (keys sorted), so a retried request is stored once.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { inboxEventByDedupeKey, insertInboxEventOnce } from '../db/inbox.js';
import { receiptClockNow } from '../domain/store-clock.js';
import { type EventProblem, type InboxEvent, validateEventsBody } from './events.js';
import { formatPath } from './text.js';

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

/** An event_id received before with a different body: the hashes of both canonical bodies. */
export interface EventConflict {
  path: string;
  eventId: string;
  storedSha256: string;
  receivedSha256: string;
}

export type AcceptResult =
  | { ok: true; events: StoredEvent[] }
  | { ok: false; problems: EventProblem[]; conflicts?: EventConflict[] };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Thrown inside the transaction so that nothing of a batch with a conflict is stored. */
class ConflictFound extends Error {
  constructor(readonly conflicts: EventConflict[]) {
    super('conflicting event ids');
  }
}

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
 * An `event_id` stored before with a different body is a conflict (as an idempotency key reused
 * for another request): nothing is stored and the conflicts name both bodies' hashes.
 * `clockToleranceSeconds`: how far ahead of now the events' times may be (default 5 minutes).
 */
export async function acceptEvents(
  db: Db,
  source: InboxSource,
  body: unknown,
  opts: { dedupeKey?: string; clockToleranceSeconds?: number } = {},
): Promise<AcceptResult> {
  const validation = validateEventsBody(body, receiptClockNow(opts.clockToleranceSeconds));
  if (!validation.ok) return validation;
  if (opts.dedupeKey !== undefined && validation.events.length !== 1)
    throw new Error('a dedupe key can only be given for a single event');
  const run = db.transaction().execute(async (trx) => {
    const stored: StoredEvent[] = [];
    const conflicts: EventConflict[] = [];
    for (const [index, { wire, event }] of validation.events.entries()) {
      const dedupeKey = opts.dedupeKey ?? dedupeKeyOf(wire);
      const inserted = await insertInboxEventOnce(trx, {
        source,
        dedupeKey,
        type: event.type,
        payload: wire,
      });
      if (inserted) {
        stored.push({
          id: inserted.id,
          type: event.type,
          duplicate: false,
          processedAt: inserted.processed_at,
        });
        continue;
      }
      const existing = await inboxEventByDedupeKey(trx, source, dedupeKey);
      // Only the store's own event ids can be reused for another body: other keys are the
      // body's hash, or Shopify's webhook id (whose retries resend the same body).
      if (opts.dedupeKey === undefined && dedupeKey.startsWith('event:')) {
        const storedHash = sha256(canonicalJson(existing.payload));
        const receivedHash = sha256(canonicalJson(wire));
        if (storedHash !== receivedHash)
          conflicts.push({
            path: formatPath([...(validation.batch ? ['events', index] : []), 'event_id']),
            eventId: dedupeKey.slice('event:'.length),
            storedSha256: storedHash,
            receivedSha256: receivedHash,
          });
      }
      stored.push({
        id: existing.id,
        type: event.type,
        duplicate: true,
        processedAt: existing.processed_at,
      });
    }
    if (conflicts.length) throw new ConflictFound(conflicts);
    return stored;
  });
  try {
    return { ok: true, events: await run };
  } catch (err) {
    if (!(err instanceof ConflictFound)) throw err;
    return {
      ok: false,
      conflicts: err.conflicts,
      problems: err.conflicts.map((c) => ({
        path: c.path,
        message: `event ${JSON.stringify(c.eventId)} was received before with a different body (sha256 ${c.storedSha256}; this one ${c.receivedSha256}); give a new event a new event_id`,
      })),
    };
  }
}
