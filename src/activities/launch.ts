/** Enrolling a campaign's audience in batches (the launch workflow's work), through the enrolment module. */
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  type AudienceBatch,
  enrolAudienceBatch,
  type JourneyStarter,
} from '../campaigns/enrolment.js';
import { getCampaign, UnknownCampaignError } from '../db/campaigns.js';
import { countAudience } from '../db/contacts.js';

export type EnrollBatchResult = AudienceBatch;

export { LAUNCH_CONCURRENCY } from '../campaigns/enrolment.js';

export function createLaunchActivities(starter: JourneyStarter) {
  const { db } = starter;
  return {
    async countAudience(input: { campaignId: string }): Promise<number> {
      // Read from the table as each batch reads it, not carried in the launch's input: the input is
      // fixed at the start, and a `campaign update` may land before a worker runs the launch.
      const { definition } = await getCampaign(db, input.campaignId);
      return countAudience(db, definition.audience.limitation);
    },

    /** Starts the journeys of the next page of the audience. Safe to retry: ids are deterministic. */
    async enrollBatch(input: {
      campaignId: string;
      afterContactId: number;
      limit: number;
    }): Promise<EnrollBatchResult> {
      try {
        return await enrolAudienceBatch(starter, input, heartbeat);
      } catch (err) {
        if (err instanceof UnknownCampaignError)
          throw ApplicationFailure.nonRetryable(err.message, 'UnknownCampaign');
        throw err;
      }
    },
  };
}

export type LaunchActivities = ReturnType<typeof createLaunchActivities>;
