/**
 * What the outside world may know of a campaign's launch (src/workflows/launch.ts): its workflow
 * type and id, its input, its progress and the query that reads it. The launch service and the CLI
 * import this module; only the workflows import the workflow. It is bundled into workflow code, so
 * it imports nothing but `@temporalio/workflow`.
 */
import { defineQuery } from '@temporalio/workflow';

export interface LaunchProgress {
  campaignId: string;
  total: number;
  scanned: number;
  started: number;
  alreadyEnrolled: number;
  cursor: number;
  done: boolean;
  haltedBecause?: 'paused' | 'stopped';
}

export interface LaunchInput {
  campaignId: string;
  batchSize?: number;
  /** Carried across continue-as-new. */
  progress?: LaunchProgress;
}

/** The launch workflow's registered type: recorded histories name it, it never changes. */
export const LAUNCH_WORKFLOW_TYPE = 'launchCampaign';

export type LaunchWorkflow = (input: LaunchInput) => Promise<LaunchProgress>;

export const launchProgressQuery = defineQuery<LaunchProgress>('progress');

/** One launch per campaign at a time: a second `campaign launch` follows the running one. */
export function launchWorkflowId(campaignId: string): string {
  return `launch/${campaignId}`;
}
