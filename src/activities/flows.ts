/** The look-ups and updates only flow nodes use: thin over src/db. */
import { setContactTag } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { journeyEntries } from '../db/journeys.js';
import { contactMatches, removeFromStaticSegment } from '../db/segments.js';
import type { SegmentGroup } from '../domain/segments/definition.js';

export function createFlowActivities({ db }: { db: Db }) {
  return {
    /** A branch's condition in the segment rule language, against the contact's data now. */
    async matchesCondition(input: {
      contactId: number;
      condition: SegmentGroup;
    }): Promise<boolean> {
      return contactMatches(db, input.contactId, input.condition);
    },

    /** Has the contact a journey in the campaign that has not ended (as the journeys table knows)? */
    async hasRunningJourney(input: { contactId: number; campaignId: string }): Promise<boolean> {
      const entries = await journeyEntries(db, input.campaignId, input.contactId);
      return entries.some((j) => j.endedAt === null);
    },

    async removeFromSegment(input: { contactId: number; segment: string }): Promise<void> {
      await removeFromStaticSegment(db, input.segment, input.contactId);
    },

    async tagContact(input: {
      contactId: number;
      tag: string;
      action: 'add' | 'remove';
    }): Promise<void> {
      await setContactTag(db, input.contactId, input.tag, input.action === 'add');
    },
  };
}

export type FlowActivities = ReturnType<typeof createFlowActivities>;
