/** Enrolling a campaign's audience in batches (the launch workflow's work), through the enrolment module. */
import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type AudienceBatch, enrolAudienceBatch } from '../campaigns/enrolment.js';
import type { Db } from '../db/database.js';
import { getCampaign, UnknownCampaignError } from '../db/campaigns.js';
import { countAudience } from '../db/contacts.js';

export type EnrollBatchResult = AudienceBatch;

export { LAUNCH_CONCURRENCY } from '../campaigns/enrolment.js';

export function createLaunchActivities({
  db,
  temporal,
  taskQueue,
  searchAttributes,
}: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
}) {
  return {
    async countAudience(input: { campaignId: string }): Promise<number> {
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
        return await enrolAudienceBatch(
          { client: temporal, db, taskQueue, searchAttributes },
          input,
          heartbeat,
        );
      } catch (err) {
        if (err instanceof UnknownCampaignError)
          throw ApplicationFailure.nonRetryable(err.message, 'UnknownCampaign');
        throw err;
      }
    },
  };
}

export type LaunchActivities = ReturnType<typeof createLaunchActivities>;
