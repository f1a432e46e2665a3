/**
 * `campaign update`'s work: save the new definition as the next version, then, when running
 * journeys are to adopt it, tell each of them. Journeys started from now on take it in any case.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type DefinitionUpdate, updateCampaignDefinition } from '../db/campaigns.js';
import { runningJourneyIds } from '../db/journeys.js';
import type { Db } from '../db/database.js';
import type { RunningJourneysChoice } from '../domain/campaigns/changes.js';
import { updateDefinitionSignal } from './journey-contract.js';

export interface CampaignUpdateResult extends DefinitionUpdate {
  runningJourneys: RunningJourneysChoice;
  /** Running journeys (journeys table) when the update was saved. */
  running: number;
  /** With "adopt": those told to take the new version at their next node (the others had ended). */
  told: number;
}

/** Signals in flight at once: enough to tell thousands of journeys in seconds without flooding the server. */
const SIGNAL_CONCURRENCY = 32;

export async function updateCampaign(
  deps: { db: Db; temporal: () => Promise<Client> },
  id: string,
  input: unknown,
  runningJourneys: RunningJourneysChoice,
): Promise<CampaignUpdateResult> {
  const update = await updateCampaignDefinition(deps.db, id, input, runningJourneys);
  const running = await runningJourneyIds(deps.db, id);
  if (runningJourneys === 'keep' || running.length === 0)
    return { ...update, runningJourneys, running: running.length, told: 0 };

  // Also when nothing changed: running `update --running adopt` again re-tells journeys an
  // interrupted run missed (journeys ignore a version they already run).
  const client = await deps.temporal();
  const signal = { version: update.version, campaign: update.campaign };
  let told = 0;
  let next = 0;
  const lanes = Array.from({ length: Math.min(SIGNAL_CONCURRENCY, running.length) }, async () => {
    while (next < running.length) {
      const workflowId = running[next++]!;
      try {
        await client.workflow.getHandle(workflowId).signal(updateDefinitionSignal, signal);
        told++;
      } catch (err) {
        // Ended since the list was read: it has no next node.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  });
  await Promise.all(lanes);
  return { ...update, runningJourneys, running: running.length, told };
}
