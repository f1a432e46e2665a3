import { Context } from '@temporalio/activity';

/** The workflow run an activity runs for; every Boomerang activity is started by a workflow. */
export function currentWorkflowExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('this activity must be started by a workflow');
  return execution;
}

/** The workflow an activity runs for. */
export function currentWorkflowId(): string {
  return currentWorkflowExecution().workflowId;
}

/**
 * The idempotency key of a side effect: the workflow id plus the step that performs it. A retry
 * (after a crash or a timeout) computes the same key, so the side effect happens once.
 */
export function stepKey(step: string): string {
  return `${currentWorkflowId()}/${step}`;
}
