/**
 * Client-side calls on running journeys. Journeys start in the enrolment module (./enrolment.ts);
 * its single-contact start is re-exported here for the callers that start one journey.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { reachableJourneyIds } from '../db/journeys.js';
import { purchaseSignal } from './journey-contract.js';

export {
  journeyWorkflowId,
  type JourneyStarter,
  startJourney,
  type StartOutcome,
} from './enrolment.js';

/**
 * Tells every running journey of a contact about a purchase (the store's event; an import records orders without signalling).
 * The journeys come from the journeys table, not from visibility, which may lag behind. One whose
 * end its run wrote lately is told too: the workflow task that wrote the end may yet be discarded
 * (its worker died) and run again, and that run sees the purchase.
 */
export async function signalPurchase(
  deps: { client: Client; db: Db },
  contactId: number,
  purchase: { orderId: string; placedAt: string; total: number; currency: string },
): Promise<number> {
  const reachable = await reachableJourneyIds(deps.db, contactId);
  return signalJourneys(deps.client, reachable, purchaseSignal, purchase);
}

/**
 * Signals each journey; one whose workflow has closed (since it was listed, or before, when its
 * row's end was recent) is passed over. Returns how many took it.
 */
export async function signalJourneys<Arg>(
  client: Client,
  workflowIds: Iterable<string>,
  signal: SignalDefinition<[Arg]>,
  arg: Arg,
): Promise<number> {
  let signalled = 0;
  for (const workflowId of workflowIds) {
    try {
      await client.workflow.getHandle(workflowId).signal(signal, arg);
      signalled++;
    } catch (err) {
      // An event after the journey's end changes nothing.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return signalled;
}
