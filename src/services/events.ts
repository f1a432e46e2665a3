/**
 * Recording one store event now: validated and stored in the inbox by the same accept function as
 * `POST /events`, then applied at once by the inbox processor's code. If it cannot be applied now
 * (Temporal down, another process applying it), it stays in the inbox and the HTTP endpoint's
 * processor applies it later.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { inboxEventLastError } from '../db/inbox.js';
import type { ApplyResult } from '../inbox/apply.js';
import { InvalidEventError } from '../inbox/events.js';
import { type EventOutcome, processInboxEvent } from '../inbox/processor.js';
import { acceptEvents, type InboxSource } from '../inbox/store.js';

export { InvalidEventError } from '../inbox/events.js';

export interface RecordEventDeps {
  db: Db;
  /** Connects on first use: an event is stored even when Temporal does not answer. */
  temporal: () => Promise<Client>;
  taskQueue: string;
  /** Currency of orders that do not say (SHOP_CURRENCY). */
  defaultCurrency: string;
  /** How far ahead of now the event's times may be (EVENT_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceSeconds?: number;
}

/** What became of an event: applied now, a repeat of one received before, or left for later. */
export type RecordedEvent =
  | {
      /** Received before and processed then: applied, or rejected with `error`. */
      status: 'already_processed' | 'already_rejected';
      inboxEventId: number;
      duplicate: true;
      processedAt: Date;
      error?: string;
    }
  | {
      /** Stored but not applied now (`error` says why); the inbox processor applies it later. */
      status: 'pending';
      inboxEventId: number;
      duplicate: boolean;
      error: string;
    }
  | {
      status: EventOutcome['status'];
      inboxEventId: number;
      duplicate: boolean;
      result?: ApplyResult;
      error?: string;
      /** A failed event: when the inbox processor tries it again. */
      retryAt?: Date;
    };

/**
 * Stores `event` (one event as `POST /events` takes it) in the inbox and applies it now.
 * Throws InvalidEventError, with the problems of each field, when it does not validate.
 */
export async function recordEvent(
  deps: RecordEventDeps,
  event: unknown,
  source: InboxSource = 'api',
): Promise<RecordedEvent> {
  const accepted = await acceptEvents(deps.db, source, event, {
    clockToleranceSeconds: deps.clockToleranceSeconds,
  });
  if (!accepted.ok) throw new InvalidEventError(accepted.problems);
  const stored = accepted.events[0]!;
  if (stored.duplicate && stored.processedAt) {
    // Processed with an error left behind means rejected (see src/inbox/processor.ts).
    const rejected = await inboxEventLastError(deps.db, stored.id);
    return {
      status: rejected ? 'already_rejected' : 'already_processed',
      inboxEventId: stored.id,
      duplicate: true,
      processedAt: stored.processedAt,
      error: rejected ?? undefined,
    };
  }

  let outcome: EventOutcome | undefined;
  let error: string | undefined;
  try {
    outcome = await processInboxEvent(
      {
        db: deps.db,
        temporal: await deps.temporal(),
        taskQueue: deps.taskQueue,
        defaultCurrency: deps.defaultCurrency,
      },
      stored.id,
    );
  } catch (err) {
    error = (err as Error).message;
  }
  if (!outcome)
    return {
      status: 'pending',
      inboxEventId: stored.id,
      duplicate: stored.duplicate,
      error: error ?? 'another process is applying it right now',
    };
  return {
    status: outcome.status,
    inboxEventId: stored.id,
    duplicate: stored.duplicate,
    result: outcome.result,
    error: outcome.error,
    retryAt: outcome.retryAt,
  };
}
