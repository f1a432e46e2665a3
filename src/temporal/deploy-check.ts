/**
 * `boomerang deploy check`: before new workflow code is deployed, replay the histories of the
 * journeys that are running now against it. A change that alters a running workflow's command
 * sequence fails here, with the workflow and its step, instead of at the journey's next wake-up.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { STEP } from '../domain/search-attributes.js';

export interface DeployCheckOptions {
  client: Client;
  /** The workflow code to check: a path to bundle (the working tree's by default) or a prebuilt bundle. */
  workflows: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  /** Payload codec of the running workflows (encrypted payloads must be decoded to replay). */
  dataConverter?: DataConverter;
  /** Check every running workflow when there are at most this many; otherwise sample. */
  allBelow: number;
  /** When sampling: this many workflows per workflow type and current step (BoomerangStep). */
  perStep: number;
  /** Extra visibility filter, e.g. `WorkflowType = "lowClvCouponJourney"`. */
  query?: string;
  /** Histories downloaded at once. */
  concurrency?: number;
}

export interface DeployCheckFailure {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The journey's current step (BoomerangStep), if it has one. */
  step: string | null;
  /** The replayer's message: the first command that does not match the history. */
  mismatch: string;
}

export interface DeployCheckResult {
  running: number;
  checked: number;
  /** False when every running workflow was checked; true when a sample per type and step was. */
  sampled: boolean;
  /** Checked workflows per "type / step". */
  groups: { workflowType: string; step: string | null; running: number; checked: number }[];
  failures: DeployCheckFailure[];
}

function stepOf(execution: WorkflowExecutionInfo): string | null {
  return execution.typedSearchAttributes.get(STEP) ?? null;
}

/** The replayer's error, reduced to its first line that says what differs. */
function describeMismatch(error: Error): string {
  const lines = error.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /nondetermin/i.test(l)) ?? lines[0] ?? error.name;
}

/** Picks the workflows to replay: all of them below `allBelow`, else `perStep` per type and step. */
async function pickWorkflows(opts: DeployCheckOptions) {
  const query = ['ExecutionStatus = "Running"', opts.query].filter(Boolean).join(' AND ');
  const groups = new Map<
    string,
    { workflowType: string; step: string | null; running: number; picked: WorkflowExecutionInfo[] }
  >();
  let running = 0;
  const all: WorkflowExecutionInfo[] = [];
  for await (const execution of opts.client.workflow.list({ query })) {
    running++;
    const step = stepOf(execution);
    const key = `${execution.type}\u0000${step ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { workflowType: execution.type, step, running: 0, picked: [] };
      groups.set(key, group);
    }
    group.running++;
    if (group.picked.length < opts.perStep) group.picked.push(execution);
    if (all.length <= opts.allBelow) all.push(execution);
  }
  const sampled = running > opts.allBelow;
  return {
    running,
    sampled,
    picked: sampled ? [...groups.values()].flatMap((g) => g.picked) : all,
    groups: [...groups.values()],
  };
}

export async function deployCheck(opts: DeployCheckOptions): Promise<DeployCheckResult> {
  const { running, sampled, picked, groups } = await pickWorkflows(opts);
  const byRun = new Map(picked.map((e) => [e.runId, e]));

  // Downloads a few histories ahead of the replayer, never all of them at once.
  const concurrency = opts.concurrency ?? 8;
  async function* histories() {
    for (let i = 0; i < picked.length; i += concurrency) {
      const batch = picked.slice(i, i + concurrency);
      const fetched = await Promise.all(
        batch.map(async (e) => ({
          workflowId: e.workflowId,
          history: await opts.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory(),
        })),
      );
      yield* fetched;
    }
  }

  const failures: DeployCheckFailure[] = [];
  let checked = 0;
  const checkedPerGroup = new Map<string, number>();
  if (picked.length > 0) {
    for await (const result of Worker.runReplayHistories(
      { ...opts.workflows, dataConverter: opts.dataConverter, replayName: 'deploy-check' },
      histories(),
    )) {
      checked++;
      const execution =
        byRun.get(result.runId) ?? picked.find((e) => e.workflowId === result.workflowId);
      const step = execution ? stepOf(execution) : null;
      const type = execution?.type ?? 'unknown';
      const key = `${type}\u0000${step ?? ''}`;
      checkedPerGroup.set(key, (checkedPerGroup.get(key) ?? 0) + 1);
      if (result.error)
        failures.push({
          workflowId: result.workflowId,
          runId: result.runId,
          workflowType: type,
          step,
          mismatch: describeMismatch(result.error),
        });
    }
  }
  return {
    running,
    checked,
    sampled,
    groups: groups.map((g) => ({
      workflowType: g.workflowType,
      step: g.step,
      running: g.running,
      checked: checkedPerGroup.get(`${g.workflowType}\u0000${g.step ?? ''}`) ?? 0,
    })),
    failures,
  };
}
