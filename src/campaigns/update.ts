/**
 * `campaign update`'s work: save the new definition as the next version, then, when running
 * journeys are to adopt it, tell each of them. Journeys started from now on take it in any case.
 * With "adopt", journeys that could not be told (Temporal down, a signal refused) are reported
 * with what was saved (CampaignUpdateIncompleteError), never hidden behind one error.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type DefinitionUpdate, updateCampaignDefinition } from '../db/campaigns.js';
import { openJourneyIds } from '../db/journeys.js';
import type { Db } from '../db/database.js';
import type { RunningJourneysChoice } from '../domain/campaigns/definition-change.js';
import { updateDefinitionSignal } from './journey-contract.js';

export interface CampaignUpdateResult extends DefinitionUpdate {
  runningJourneys: RunningJourneysChoice;
  /** Running journeys (journeys table) when the update was saved. */
  running: number;
  /** With "adopt": those told to take the new version at their next node (the others had ended). */
  told: number;
}

/** The new version is saved, but some running journeys were not told to adopt it. */
export class CampaignUpdateIncompleteError extends Error {
  override name = 'CampaignUpdateIncompleteError';
  constructor(
    readonly result: CampaignUpdateResult,
    readonly notTold: { workflowId: string; error: string }[],
  ) {
    const { campaign, version, told, running } = result;
    const one = notTold.length === 1;
    super(
      `campaign "${campaign.id}" is saved as version ${version}: journeys started from now on take it, ` +
        `and ${told} running ${told === 1 ? 'journey was' : 'journeys were'} told to adopt it; ` +
        `${notTold.length} of ${running} ${one ? 'was' : 'were'} NOT told ` +
        `(${notTold
          .slice(0, 3)
          .map((n) => `${n.workflowId}: ${n.error}`)
          .join(
            '; ',
          )}${notTold.length > 3 ? '; …' : ''}) and ${one ? 'keeps the version it runs' : 'keep the version they run'}. ` +
        `Run the same \`campaign update ${campaign.id} --running adopt\` again to tell ${one ? 'it' : 'them'} (a journey already on version ${version} ignores it).`,
    );
  }
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
  const running = await openJourneyIds(deps.db, { campaignId: id });
  if (runningJourneys === 'keep' || running.length === 0)
    return { ...update, runningJourneys, running: running.length, told: 0 };

  let client: Client;
  try {
    client = await deps.temporal();
  } catch (err) {
    throw new CampaignUpdateIncompleteError(
      { ...update, runningJourneys, running: running.length, told: 0 },
      running.map((workflowId) => ({ workflowId, error: (err as Error).message })),
    );
  }

  // Also when nothing changed: running `update --running adopt` again re-tells journeys an
  // interrupted run missed (journeys ignore a version they already run).
  const signal = { version: update.version, campaign: update.campaign };
  let told = 0;
  let next = 0;
  const notTold: { workflowId: string; error: string }[] = [];
  const lanes = Array.from({ length: Math.min(SIGNAL_CONCURRENCY, running.length) }, async () => {
    while (next < running.length) {
      const workflowId = running[next++]!;
      try {
        await client.workflow.getHandle(workflowId).signal(updateDefinitionSignal, signal);
        told++;
      } catch (err) {
        // Ended since the list was read: it has no next node.
        if (err instanceof WorkflowNotFoundError) continue;
        const cause = (err as Error).cause;
        notTold.push({
          workflowId,
          error: `${(err as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`,
        });
      }
    }
  });
  await Promise.all(lanes);
  const result = { ...update, runningJourneys, running: running.length, told };
  if (notTold.length) throw new CampaignUpdateIncompleteError(result, notTold);
  return result;
}
