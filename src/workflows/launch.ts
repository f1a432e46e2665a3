/**
 * Launching a campaign on its audience ("Start" node, "All existing"): pages through the contacts
 * and starts their journeys in batches, continuing-as-new so that a million contacts never make
 * one huge history. Journey ids are deterministic, so re-launching never enrols a contact twice.
 */
import {
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { LaunchActivities } from '../activities/launch.js';
import {
  type LaunchInput,
  type LaunchProgress,
  launchProgressQuery,
} from '../campaigns/launch-contract.js';

/** Batches per run before continuing as new: keeps each run's history to a few hundred events. */
const BATCHES_PER_RUN = 50;

const { countAudience, enrollBatch } = proxyActivities<LaunchActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

export async function launchCampaign(input: LaunchInput): Promise<LaunchProgress> {
  const batchSize = input.batchSize ?? 500;
  const progress: LaunchProgress = input.progress ?? {
    campaignId: input.campaignId,
    total: await countAudience({ campaignId: input.campaignId }),
    scanned: 0,
    started: 0,
    alreadyEnrolled: 0,
    cursor: 0,
    done: false,
  };
  setHandler(launchProgressQuery, () => progress);

  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    setCurrentDetails(
      `**launching**: ${progress.scanned} of ${progress.total} contacts scanned, ${progress.started} journeys started`,
    );
    const result = await enrollBatch({
      campaignId: input.campaignId,
      afterContactId: progress.cursor,
      limit: batchSize,
    });
    progress.cursor = result.cursor;
    progress.scanned += result.scanned;
    progress.started += result.started;
    progress.alreadyEnrolled += result.alreadyEnrolled;
    if (result.done) {
      progress.done = true;
      progress.haltedBecause = result.haltedBecause;
      setCurrentDetails(
        `**done**: ${progress.started} journeys started, ${progress.alreadyEnrolled} already enrolled`,
      );
      return progress;
    }
  }
  return continueAsNew<typeof launchCampaign>({
    campaignId: input.campaignId,
    batchSize,
    progress,
  });
}
