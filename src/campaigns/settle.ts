/**
 * Journeys whose workflow closed without their row learning of it — failed before the failure
 * was recorded (histories older than the record-journey-failure patch), terminated, timed out,
 * or gone from Temporal — are settled from what Temporal says, so no journey looks alive forever.
 */
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/database.js';
import { openJourneyIds, recordJourneyEnd, recordJourneyFailure } from '../db/journeys.js';
import { messageWithCauses } from '../domain/errors.js';
import type { JourneyResult } from './journey-contract.js';

export interface SettleSummary {
  /** Still running in Temporal: left as they are. */
  running: number;
  /** Closed in Temporal, now recorded as failed (with Temporal's reason). */
  failed: number;
  /** Completed in Temporal, now recorded with their end reason. */
  completed: number;
}

export async function settleClosedJourneys(
  deps: { client: Client; db: Db },
  campaignId: string,
): Promise<SettleSummary> {
  const summary: SettleSummary = { running: 0, failed: 0, completed: 0 };
  for (const workflowId of await openJourneyIds(deps.db, { campaignId })) {
    const handle = deps.client.workflow.getHandle(workflowId);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if (await recordJourneyFailure(deps.db, workflowId, 'the workflow is not in Temporal'))
        summary.failed++;
      continue;
    }
    if (status === 'RUNNING') {
      summary.running++;
      continue;
    }
    try {
      const result = (await handle.result()) as JourneyResult;
      // A journey records its own end before its workflow closes: one that ended after the open
      // rows were read was recorded by itself, and is not counted as settled here.
      if (await recordJourneyEnd(deps.db, workflowId, result.endReason)) summary.completed++;
    } catch (err) {
      const why =
        err instanceof WorkflowFailedError
          ? messageWithCauses(err.cause ?? err)
          : messageWithCauses(err);
      const reason = `${status.toLowerCase().replace(/_/g, ' ')} in Temporal: ${why}`;
      if (await recordJourneyFailure(deps.db, workflowId, reason)) summary.failed++;
    }
  }
  return summary;
}
