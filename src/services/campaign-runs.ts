/**
 * Launching a campaign on its audience and stopping a campaign, as `boomerang campaign launch` and
 * `campaign stop` do, for callers other than the CLI (the client of src/client.ts).
 */
import {
  type Client,
  type WorkflowHandle,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { controlTaskQueue, stopSignal } from '../campaigns/journey-contract.js';
import { type SettleSummary, settleClosedJourneys } from '../campaigns/settle.js';
import type { Config } from '../config.js';
import { getCampaign, setCampaignStatus } from '../db/campaigns.js';
import type { Db } from '../db/database.js';
import { CAMPAIGN } from '../domain/search-attributes.js';
import { workflowUiUrl } from '../temporal/connection.js';
import {
  launchCampaign as launchWorkflow,
  launchProgressQuery,
  launchWorkflowId,
  type LaunchProgress,
} from '../workflows/launch.js';

export type { LaunchProgress } from '../workflows/launch.js';

export interface CampaignRunDeps {
  db: Db;
  temporal: Client;
  config: Config;
}

/**
 * The campaign cannot be launched: `not_active` (paused or stopped: resume it first), or
 * `not_launched` (its journeys start on another trigger: segment entry, registration).
 */
export class CampaignNotLaunchableError extends Error {
  override name = 'CampaignNotLaunchableError';
  constructor(
    readonly reason: 'not_active' | 'not_launched',
    message: string,
  ) {
    super(message);
  }
}

export interface StartedLaunch {
  workflowId: string;
  /** The launch in the Temporal Web UI. */
  url: string;
  /** A launch of the campaign was already running: this one follows it. */
  alreadyRunning: boolean;
  handle: WorkflowHandle<typeof launchWorkflow>;
}

/**
 * Starts the launch workflow of an active low-CLV campaign (one launch per campaign: a running
 * one is followed, and re-launching never enrols a contact twice). Throws UnknownCampaignError
 * or CampaignNotLaunchableError.
 */
export async function startLaunch(
  deps: CampaignRunDeps,
  campaignId: string,
  opts: { batchSize?: number } = {},
): Promise<StartedLaunch> {
  const stored = await getCampaign(deps.db, campaignId);
  if (stored.status !== 'active')
    throw new CampaignNotLaunchableError(
      'not_active',
      `campaign "${campaignId}" is ${stored.status}; resume it first with \`boomerang campaign resume ${campaignId}\``,
    );
  if (stored.definition.kind !== 'low_clv_coupon')
    throw new CampaignNotLaunchableError(
      'not_launched',
      stored.definition.kind === 'inactive_reactivation'
        ? `campaign "${campaignId}" starts on entry into segment "${stored.definition.segment}": contacts who enter it at the daily recompute are enrolled (run \`boomerang indicators recompute\` to do it now)`
        : `campaign "${campaignId}" starts when a contact registers (POST /events with type account_registered, or \`boomerang event register\`)`,
    );
  const workflowId = launchWorkflowId(campaignId);
  const url = workflowUiUrl(deps.config, workflowId);
  try {
    const handle = await deps.temporal.workflow.start(launchWorkflow, {
      taskQueue: controlTaskQueue(deps.config.temporal.taskQueue),
      workflowId,
      args: [{ campaignId, batchSize: opts.batchSize ?? 500 }],
      typedSearchAttributes: [{ key: CAMPAIGN, value: campaignId }],
      staticSummary: `Launch of ${stored.definition.name}`,
    });
    return { workflowId, url, alreadyRunning: false, handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return {
      workflowId,
      url,
      alreadyRunning: true,
      handle: deps.temporal.workflow.getHandle<typeof launchWorkflow>(workflowId),
    };
  }
}

/** Waits for a launch to end; `onProgress` hears its progress every half second meanwhile. */
export async function followLaunch(
  launch: Pick<StartedLaunch, 'handle'>,
  onProgress?: (progress: LaunchProgress) => void,
): Promise<LaunchProgress> {
  const poll =
    onProgress &&
    setInterval(() => {
      launch.handle
        .query(launchProgressQuery)
        .then(onProgress)
        .catch(() => {});
    }, 500);
  try {
    return await launch.handle.result();
  } finally {
    clearInterval(poll);
  }
}

export interface StoppedCampaign {
  /** Running journeys told to end. */
  stopped: number;
  /** Journeys whose workflow had already closed, now recorded as ended. */
  settled: SettleSummary;
}

/**
 * Stops a campaign: no new enrolments, and every running journey ends ("campaign_stopped"); a
 * running launch halts by itself at its next batch. Throws UnknownCampaignError.
 */
export async function stopCampaign(
  deps: Omit<CampaignRunDeps, 'config'>,
  campaignId: string,
  opts: { reason?: string } = {},
): Promise<StoppedCampaign> {
  await setCampaignStatus(deps.db, campaignId, 'stopped');
  let stopped = 0;
  for await (const execution of deps.temporal.workflow.list({
    query: `${CAMPAIGN.name} = "${campaignId}" AND ExecutionStatus = "Running"`,
  })) {
    if (execution.workflowId === launchWorkflowId(campaignId)) continue;
    await deps.temporal.workflow
      .getHandle(execution.workflowId, execution.runId)
      .signal(stopSignal, { reason: opts.reason ?? 'campaign stopped' });
    stopped++;
  }
  // Journeys whose workflow already closed (failed, terminated) end in the table too.
  const settled = await settleClosedJourneys({ client: deps.temporal, db: deps.db }, campaignId);
  return { stopped, settled };
}
