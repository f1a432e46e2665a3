/**
 * Client-side starters of journeys (Dittofeed's "lifecycle" habit): deterministic workflow ids, so a
 * retried or repeated start never enrols a contact twice.
 */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { definitionForStart } from '../db/campaigns.js';
import type { Db } from '../db/database.js';
import { journeyEntries, openJourneyIds } from '../db/journeys.js';
import type { CampaignDefinition } from '../domain/campaigns/definition.js';
import { isHeldOut } from '../domain/campaigns/holdout.js';
import { CAMPAIGN, CONTACT_ID, STEP } from '../domain/search-attributes.js';
import { JOURNEY_WORKFLOW_TYPES, type JourneyInput, purchaseSignal } from './journey-contract.js';

/** `<campaign>/<contact>`; a re-entry after an ended journey adds the entry number. */
export function journeyWorkflowId(campaignId: string, contactId: number, entry = 1): string {
  return entry <= 1 ? `${campaignId}/${contactId}` : `${campaignId}/${contactId}/${entry}`;
}

export type StartOutcome = 'started' | 'already_enrolled';

export interface JourneyStarter {
  client: Client;
  db: Db;
  taskQueue: string;
  /** Set the Boomerang search attributes (default). Off only for the time-skipping test server, which has none. */
  searchAttributes?: boolean;
}

/**
 * Starts a contact's journey in `requested` (by id): the journey gets the campaign's stored
 * definition and its version, read together, so the version always names what the journey runs
 * even when an update lands during a launch.
 */
export async function startJourney(
  deps: JourneyStarter,
  requested: CampaignDefinition,
  contactId: number,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  const stored = await definitionForStart(deps.db, requested.id);
  const campaign = stored?.definition ?? requested;
  let entry = 1;
  if (campaign.reentry === 'after_end') {
    const previous = await journeyEntries(deps.db, campaign.id, contactId);
    if (previous.some((j) => j.endedAt === null))
      return {
        outcome: 'already_enrolled',
        workflowId: journeyWorkflowId(campaign.id, contactId, previous.length),
      };
    entry = previous.length + 1;
  }
  const workflowId = journeyWorkflowId(campaign.id, contactId, entry);
  const input: JourneyInput = {
    campaign,
    contactId,
    holdout: isHeldOut(campaign.id, contactId, campaign.holdoutPercent),
    definitionVersion: stored?.version ?? 1,
  };
  try {
    await deps.client.workflow.start(JOURNEY_WORKFLOW_TYPES[campaign.kind], {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes:
        deps.searchAttributes === false
          ? []
          : [
              { key: CONTACT_ID, value: String(contactId) },
              { key: CAMPAIGN, value: campaign.id },
              { key: STEP, value: 'enrolled' },
            ],
      memo: { campaign: campaign.name, kind: campaign.kind, contactId },
      staticSummary: `${campaign.name} — contact ${contactId}`,
    });
    return { outcome: 'started', workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { outcome: 'already_enrolled', workflowId };
    throw err;
  }
}

/**
 * Tells every running journey of a contact about a purchase (the store's event; an import records orders without signalling).
 * The open journeys come from the journeys table, not from visibility, which may lag behind.
 */
export async function signalPurchase(
  deps: { client: Client; db: Db },
  contactId: number,
  purchase: { orderId: string; placedAt: string; total: number; currency: string },
): Promise<number> {
  const open = await openJourneyIds(deps.db, contactId);
  let signalled = 0;
  for (const workflowId of open) {
    try {
      await deps.client.workflow.getHandle(workflowId).signal(purchaseSignal, purchase);
      signalled++;
    } catch (err) {
      // It may have ended since; a purchase after the end changes nothing.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return signalled;
}
