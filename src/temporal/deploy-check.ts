/**
 * `boomerang deploy check`: before new workflow code is deployed, replay the histories of the
 * journeys that are running now against it. A change that alters a running workflow's command
 * sequence fails here, with the workflow and its step, instead of at the journey's next wake-up.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { journeyWorkflowType } from '../campaigns/kinds/registry.js';
import { CAMPAIGN, STEP } from '../domain/search-attributes.js';

export interface DeployCheckOptions {
  client: Client;
  /** The workflow code to check: a path to bundle (the working tree's by default) or a prebuilt bundle. */
  workflows: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'>;
  /** Payload codec of the running workflows (encrypted payloads must be decoded to replay). */
  dataConverter?: DataConverter;
  /** Check every running workflow when there are at most this many; otherwise sample. */
  allBelow: number;
  /** When sampling: this many workflows per workflow type (per flow, for flows) and current step (BoomerangStep). */
  perStep: number;
  /** Extra visibility filter, e.g. `WorkflowType = "lowClvCouponJourney"`. */
  query?: string;
  /** Histories downloaded at once. */
  concurrency?: number;
  /**
   * Called once, right before the replayer starts (after the running workflows were listed): the
   * CLI installs its quiet runtime there. A runtime installed before a failure that makes nothing
   * native (Temporal not answering, a namespace that does not exist) never shuts down, and its
   * signal handlers keep Ctrl-C from ending the command.
   */
  beforeReplay?: () => void;
}

export interface DeployCheckFailure {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The flow a flow journey runs (BoomerangCampaign); null for other workflows. */
  campaign: string | null;
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
  /** Checked workflows per "type / step" ("type / flow / step" for flow journeys). */
  groups: {
    workflowType: string;
    campaign: string | null;
    step: string | null;
    running: number;
    checked: number;
  }[];
  failures: DeployCheckFailure[];
}

/**
 * What a sample is taken per: the workflow type and the current step, and for flow journeys the
 * flow too. Every flow runs on one workflow type, the same node id names different nodes in
 * different flows, and a code change to one node type breaks only the flows that use it.
 */
function groupOf(execution: WorkflowExecutionInfo) {
  const attributes = execution.typedSearchAttributes;
  const campaign =
    execution.type === journeyWorkflowType('flow') ? (attributes.get(CAMPAIGN) ?? null) : null;
  const step = attributes.get(STEP) ?? null;
  return {
    key: [execution.type, campaign ?? '', step ?? ''].join('\u0000'),
    workflowType: execution.type,
    campaign,
    step,
  };
}

/**
 * The replayer's error, reduced to what differs: "[TMPRL1100] Nondeterminism error: …". The SDK
 * wraps core's message in a paragraph, and core's message is often the debug print of a Failure
 * (`Failure { failure: Some(Failure { message: "…", … }) }`) whose quoted message is the one to show.
 */
function describeMismatch(error: Error): string {
  const quoted = /\bmessage: "((?:[^"\\]|\\.)*)"/.exec(error.message)?.[1];
  if (quoted) return quoted.replace(/\\n/g, ' ').replace(/\\(.)/g, '$1');
  const details = /\bDetails: (.+)$/s.exec(error.message)?.[1]?.trim();
  if (details) return details;
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
    Omit<ReturnType<typeof groupOf>, 'key'> & { running: number; picked: WorkflowExecutionInfo[] }
  >();
  let running = 0;
  const all: WorkflowExecutionInfo[] = [];
  for await (const execution of opts.client.workflow.list({ query })) {
    running++;
    const { key, ...group } = groupOf(execution);
    const counted = groups.get(key) ?? { ...group, running: 0, picked: [] };
    groups.set(key, counted);
    counted.running++;
    if (counted.picked.length < opts.perStep) counted.picked.push(execution);
    if (all.length <= opts.allBelow) all.push(execution);
  }
  const sampled = running > opts.allBelow;
  return {
    running,
    sampled,
    picked: sampled ? [...groups.values()].flatMap((g) => g.picked) : all,
    groups: [...groups.entries()],
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
    opts.beforeReplay?.();
    for await (const result of Worker.runReplayHistories(
      { ...opts.workflows, dataConverter: opts.dataConverter, replayName: 'deploy-check' },
      histories(),
    )) {
      checked++;
      const execution =
        byRun.get(result.runId) ?? picked.find((e) => e.workflowId === result.workflowId);
      const { key, ...group } = execution
        ? groupOf(execution)
        : { key: '', workflowType: 'unknown', campaign: null, step: null };
      checkedPerGroup.set(key, (checkedPerGroup.get(key) ?? 0) + 1);
      if (result.error)
        failures.push({
          workflowId: result.workflowId,
          runId: result.runId,
          ...group,
          mismatch: describeMismatch(result.error),
        });
    }
  }
  return {
    running,
    checked,
    sampled,
    groups: groups.map(([key, g]) => ({
      workflowType: g.workflowType,
      campaign: g.campaign,
      step: g.step,
      running: g.running,
      checked: checkedPerGroup.get(key) ?? 0,
    })),
    failures,
  };
}
