/** Journey bookkeeping and the decision nodes' look-ups: thin over src/db and src/domain. */
import type { Config } from '../config.js';
import { contactTimezone } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import {
  recordEnrollment,
  recordJourneyEnd,
  recordJourneyEvent,
  recordJourneyVersion,
  recordJourneyFailure,
} from '../db/journeys.js';
import { countPurchases } from '../db/orders.js';
import { addToStaticSegment, isInSegment } from '../db/segments.js';
import type { ContactWindowSpec } from '../domain/campaigns/defaults.js';
import { nextWindowStart } from '../domain/contact-window.js';
import { currentWorkflowId, stepKey } from './context.js';

interface JourneyRef {
  campaignId: string;
  contactId: number;
}

export function createJourneyActivities({ db, config }: { db: Db; config: Pick<Config, 'shop'> }) {
  return {
    /** `definitionVersion` is absent from journeys started before campaigns had versions: 1. */
    async recordEnrollment(
      input: JourneyRef & { holdout: boolean; definitionVersion?: number },
    ): Promise<void> {
      const workflowId = currentWorkflowId();
      const definitionVersion = input.definitionVersion ?? 1;
      await recordEnrollment(db, { workflowId, ...input, definitionVersion });
      await recordJourneyEvent(db, {
        key: `${workflowId}:enrolled`,
        workflowId,
        campaignId: input.campaignId,
        contactId: input.contactId,
        type: 'enrolled',
        detail: { holdout: input.holdout, definitionVersion },
      });
    },

    /**
     * A node entered; `index` keeps two visits of the same kind of node apart. The event names the
     * definition version the step ran under, and the journey row follows an adopted version.
     */
    async recordStep(
      input: JourneyRef & { step: string; index: number; definitionVersion?: number },
    ): Promise<void> {
      const workflowId = currentWorkflowId();
      const definitionVersion = input.definitionVersion ?? 1;
      await recordJourneyEvent(db, {
        key: `${stepKey(input.step)}#${input.index}:entered`,
        workflowId,
        campaignId: input.campaignId,
        contactId: input.contactId,
        type: 'step_entered',
        step: input.step,
        detail: { definitionVersion },
      });
      if (definitionVersion > 1) await recordJourneyVersion(db, workflowId, definitionVersion);
    },

    async endJourney(input: JourneyRef & { reason: string }): Promise<void> {
      const workflowId = currentWorkflowId();
      await recordJourneyEnd(db, workflowId, input.reason);
      await recordJourneyEvent(db, {
        key: `${workflowId}:ended`,
        workflowId,
        ...input,
        type: 'ended',
        detail: { reason: input.reason },
      });
    },

    /** The journey's workflow is failing: its row says so, and why, before the failure is raised. */
    async failJourney(input: JourneyRef & { error: string }): Promise<void> {
      const workflowId = currentWorkflowId();
      await recordJourneyFailure(db, workflowId, input.error);
      await recordJourneyEvent(db, {
        key: `${workflowId}:ended`,
        workflowId,
        campaignId: input.campaignId,
        contactId: input.contactId,
        type: 'ended',
        detail: { reason: 'failed', error: input.error },
      });
    },

    async isInSegment(input: { contactId: number; segment: string }): Promise<boolean> {
      return isInSegment(db, input.contactId, input.segment);
    },

    /** Paid orders since the given instant (refunded and cancelled orders are not purchases). */
    async hasPurchased(input: { contactId: number; since: string }): Promise<boolean> {
      return (await countPurchases(db, input.contactId, new Date(input.since))) > 0;
    },

    async addToSegment(input: { contactId: number; segment: string }): Promise<void> {
      await addToStaticSegment(db, input.segment, input.contactId);
    },

    /** When the contact window next opens, in the contact's time zone (else the shop's). */
    async nextContactWindow(input: {
      contactId: number;
      window: ContactWindowSpec;
      now: string;
    }): Promise<string> {
      const timeZone = (await contactTimezone(db, input.contactId)) ?? config.shop.timezone;
      return nextWindowStart(input.window, new Date(input.now), timeZone).toISOString();
    },
  };
}

export type JourneyActivities = ReturnType<typeof createJourneyActivities>;
