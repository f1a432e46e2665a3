/** Enrolling a campaign's audience in batches (the launch workflow's work). */
import { heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startJourney } from '../campaigns/lifecycle.js';
import type { Db } from '../db/database.js';
import { getCampaign, UnknownCampaignError } from '../db/campaigns.js';
import { audiencePage, countAudience } from '../db/contacts.js';
import { forEachLimited } from '../domain/concurrency.js';

export interface EnrollBatchResult {
  /** The last contact id looked at: the next batch starts after it. */
  cursor: number;
  scanned: number;
  started: number;
  alreadyEnrolled: number;
  /** No contact left, or the campaign is no longer active. */
  done: boolean;
  haltedBecause?: 'paused' | 'stopped';
}

/** Journey starts in flight per batch: enough to keep the server busy while journeys already run. */
export const LAUNCH_CONCURRENCY = 64;

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
      let stored;
      try {
        stored = await getCampaign(db, input.campaignId);
      } catch (err) {
        if (err instanceof UnknownCampaignError)
          throw ApplicationFailure.nonRetryable(err.message, 'UnknownCampaign');
        throw err;
      }
      const empty = {
        cursor: input.afterContactId,
        scanned: 0,
        started: 0,
        alreadyEnrolled: 0,
        done: true,
      };
      if (stored.status !== 'active') return { ...empty, haltedBecause: stored.status };

      const contacts = await audiencePage(
        db,
        stored.definition.audience.limitation,
        input.afterContactId,
        input.limit,
      );
      let started = 0;
      let alreadyEnrolled = 0;
      await forEachLimited(contacts, LAUNCH_CONCURRENCY, async ({ id }) => {
        const { outcome } = await startJourney(
          { client: temporal, db, taskQueue, searchAttributes },
          stored.definition,
          id,
        );
        if (outcome === 'started') started++;
        else alreadyEnrolled++;
        if ((started + alreadyEnrolled) % 50 === 0) heartbeat(started + alreadyEnrolled);
      });
      return {
        cursor: contacts.at(-1)?.id ?? input.afterContactId,
        scanned: contacts.length,
        started,
        alreadyEnrolled,
        done: contacts.length < input.limit,
      };
    },
  };
}

export type LaunchActivities = ReturnType<typeof createLaunchActivities>;
