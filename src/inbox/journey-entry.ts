/**
 * What applying an event needs and may refuse with, and how an applied event enters a contact's
 * journeys: queued for the start queue, started now unless the start queue's starters run them.
 * Registrations, purchases, refunds and track events (./apply.ts) and checkouts (./checkouts.ts)
 * enter journeys alike.
 */
import type { Client } from '@temporalio/client';
import {
  type CampaignForStart,
  type JourneyStart,
  type JourneyStarter,
  queueOnEvent,
} from '../campaigns/enrolment.js';
import type { CampaignBase } from '../campaigns/kinds/common.js';
import type { FlowEvent } from '../campaigns/journey-contract.js';
import type { Db } from '../db/database.js';
import { counted } from '../domain/counted.js';
import type { SoftBounceRule } from './provider-feedback.js';
import { startQueuedJourneysOf } from './start-queue.js';

export interface ApplyDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** Journeys get Boomerang's search attributes (default); off only on the time-skipping test server. */
  searchAttributes?: boolean;
  /** Currency of orders that do not say (SHOP_CURRENCY). Default EUR. */
  defaultCurrency?: string;
  /** Soft bounces that suppress an address (provider feedback). Default 3 within 30 days. */
  softBounces?: SoftBounceRule;
  /**
   * Leave the journeys an event enters to the start queue's starters (the processor's loop runs
   * them), so applying never waits for Temporal. Default: start them before the event counts as
   * applied (a caller applying one event sees its journeys running).
   */
  queueStarts?: boolean;
}

/** The event can never be applied as it stands (bad data, a conflict): recorded, not retried. */
export class RejectedEventError extends Error {
  override name = 'RejectedEventError';
}

/** The event cannot be applied yet (the refund of an order not received yet): retried for a while. */
export class DeferredEventError extends Error {
  override name = 'DeferredEventError';
}

export function starter(deps: ApplyDeps): JourneyStarter {
  return {
    client: deps.temporal,
    db: deps.db,
    taskQueue: deps.taskQueue,
    searchAttributes: deps.searchAttributes,
  };
}

/**
 * A contact's journeys in `campaigns` entered on `event`: queued for the start queue, and started
 * now unless `deps.queueStarts` leaves them to its starters.
 */
export async function enterJourneys(
  deps: ApplyDeps,
  campaigns: readonly CampaignForStart<CampaignBase>[],
  contact: { id: number; email: string | null },
  event?: FlowEvent,
): Promise<JourneyStart[]> {
  return startEntered(deps, contact.id, await queueOnEvent(deps, campaigns, contact, event));
}

/**
 * A contact's journeys queued by queueOnEvent (in a transaction now committed, or not): started
 * now unless `deps.queueStarts` leaves them to its starters.
 */
export async function startEntered(
  deps: ApplyDeps,
  contactId: number,
  journeys: JourneyStart[],
): Promise<JourneyStart[]> {
  if (deps.queueStarts)
    return journeys.map((j) => (j.outcome === 'started' ? { ...j, queued: true } : j));
  if (!journeys.some((j) => j.outcome === 'started')) return journeys;
  const started = await startQueuedJourneysOf(starter(deps), contactId);
  return journeys.map((j) => ({ ...j, outcome: started.get(j.workflowId) ?? j.outcome }));
}

/**
 * Before a contact's journeys are signalled: its queued journeys (but those in `except`, which
 * hold the event already) are started, so the signal never overtakes a start.
 */
export async function startBeforeSignal(
  deps: ApplyDeps,
  contactId: number,
  except?: ReadonlySet<string>,
): Promise<void> {
  await startQueuedJourneysOf(starter(deps), contactId, except);
}

/** A registration's contact as written (or why it was refused). */
/** "2 journeys started", or "queued to start" where the start queue starts them. */
export function enteredText(journeys: readonly JourneyStart[]): string {
  const started = journeys.filter((j) => j.outcome === 'started');
  return `${counted(started.length, 'journey')} ${started.some((j) => j.queued) ? 'queued to start' : 'started'}`;
}
