/** Journey bookkeeping and the decision nodes' look-ups: thin over src/db and src/domain. */
import type { Config } from '../config.js';
import { contactTimezone } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import {
  recordEnrollment,
  recordJourneyEvents,
  type JourneyEventInput,
  recordJourneyVersion,
  recordOwnJourneyEnd,
} from '../db/journeys.js';
import { countPurchases } from '../db/orders.js';
import { addToStaticSegment, isInSegment } from '../db/segments.js';
import type { ContactWindowSpec } from '../domain/campaigns/defaults.js';
import { nextWindowStart } from '../domain/contact-window.js';
import { currentWorkflowExecution, currentWorkflowId, stepKey } from './context.js';

interface JourneyRef {
  campaignId: string;
  contactId: number;
}

/** A node a journey entered; `index` keeps two visits of the same kind of node apart. */
export interface EnteredStep extends JourneyRef {
  step: string;
  index: number;
  definitionVersion?: number;
  /** The experiment arm the step took, when known before the entry is written. */
  arm?: string;
}

/**
 * The node the journey entered just before this activity, which writes it first (journeys with
 * local decision nodes: one activity instead of two, see workflows/journey.ts).
 */
export interface CarriesEnteredStep {
  entered?: EnteredStep;
}

/**
 * Writes a node's entry in journey_events, once whatever retries, in one statement with `along`
 * (what the node did, when the activity knows it by then). The event names the definition version
 * the step ran under, and the journey row follows an adopted version.
 */
export async function recordStepEntered(
  db: Db,
  entered: EnteredStep | undefined,
  along: JourneyEventInput[] = [],
): Promise<void> {
  if (!entered) return recordJourneyEvents(db, along);
  const workflowId = currentWorkflowId();
  const definitionVersion = entered.definitionVersion ?? 1;
  const entry: JourneyEventInput = {
    key: `${stepKey(entered.step)}#${entered.index}:entered`,
    workflowId,
    campaignId: entered.campaignId,
    contactId: entered.contactId,
    type: 'step_entered',
    step: entered.step,
    detail: { definitionVersion, ...(entered.arm === undefined ? {} : { arm: entered.arm }) },
  };
  await recordJourneyEvents(db, [entry, ...along]);
  if (definitionVersion > 1) await recordJourneyVersion(db, workflowId, definitionVersion);
}

/**
 * The journey's end in its row and its one `ended` event (keyed by its workflow id whichever way
 * it ended), as its latest run last recorded it: see recordOwnJourneyEnd.
 */
async function recordEnd(
  db: Db,
  journey: JourneyRef,
  detail: { reason: string; error?: string },
): Promise<void> {
  const { workflowId, runId } = currentWorkflowExecution();
  await recordOwnJourneyEnd(
    db,
    { workflowId, runId, reason: detail.reason, failure: detail.error },
    {
      key: `${workflowId}:ended`,
      workflowId,
      campaignId: journey.campaignId,
      contactId: journey.contactId,
      type: 'ended',
      detail,
    },
  );
}

/**
 * A decision node's look-up as an activity: it writes the node's entry first (when the journey
 * carries it, see CarriesEnteredStep), then answers.
 */
function afterEntry<I, R>(
  db: Db,
  answer: (input: I) => Promise<R>,
): (input: I & CarriesEnteredStep) => Promise<R> {
  return async (input) => {
    await recordStepEntered(db, input.entered);
    return answer(input);
  };
}

export function createJourneyActivities({ db, config }: { db: Db; config: Pick<Config, 'shop'> }) {
  return {
    /** `definitionVersion` is absent from journeys started before campaigns had versions: 1. */
    async recordEnrollment(
      input: JourneyRef & { holdout: boolean; definitionVersion?: number },
    ): Promise<void> {
      const workflowId = currentWorkflowId();
      const definitionVersion = input.definitionVersion ?? 1;
      await recordEnrollment(
        db,
        { workflowId, ...input, definitionVersion },
        {
          key: `${workflowId}:enrolled`,
          workflowId,
          campaignId: input.campaignId,
          contactId: input.contactId,
          type: 'enrolled',
          detail: { holdout: input.holdout, definitionVersion },
        },
      );
    },

    /** A node entered, written on its own: before a pause, or for journeys recorded before local decision nodes. */
    async recordStep(input: EnteredStep): Promise<void> {
      await recordStepEntered(db, input);
    },

    async endJourney(input: JourneyRef & CarriesEnteredStep & { reason: string }): Promise<void> {
      await recordStepEntered(db, input.entered);
      await recordEnd(db, input, { reason: input.reason });
    },

    /** The journey's workflow is failing: its row says so, and why, before the failure is raised. */
    async failJourney(input: JourneyRef & CarriesEnteredStep & { error: string }): Promise<void> {
      await recordStepEntered(db, input.entered);
      await recordEnd(db, input, { reason: 'failed', error: input.error });
    },

    isInSegment: afterEntry(db, (input: { contactId: number; segment: string }) =>
      isInSegment(db, input.contactId, input.segment),
    ),

    /** Paid orders since the given instant (refunded and cancelled orders are not purchases). */
    hasPurchased: afterEntry(
      db,
      async (input: { contactId: number; since: string }) =>
        (await countPurchases(db, input.contactId, new Date(input.since))) > 0,
    ),

    addToSegment: afterEntry(db, (input: { contactId: number; segment: string }) =>
      addToStaticSegment(db, input.segment, input.contactId),
    ),

    /** When the contact window next opens, in the contact's time zone (else the shop's). */
    nextContactWindow: afterEntry(
      db,
      async (input: { contactId: number; window: ContactWindowSpec; now: string }) => {
        const timeZone = (await contactTimezone(db, input.contactId)) ?? config.shop.timezone;
        return nextWindowStart(input.window, new Date(input.now), timeZone).toISOString();
      },
    ),
  };
}

export type JourneyActivities = ReturnType<typeof createJourneyActivities>;
