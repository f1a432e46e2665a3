/**
 * `deploy check` over running flow journeys. Every flow runs on the one interpreter workflow, so a
 * sample "per workflow type and current step" would take all its picks from whichever flow the
 * server lists first, and pass a change that breaks another flow's journeys. Here two flows' journeys
 * sleep at a node of the same id; the server is stood in for by a client that lists them and serves
 * their histories (recorded flow histories; the second flow's altered as a code change would leave
 * them, an activity its code no longer calls).
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN, STEP } from '../../src/domain/search-attributes.js';
import { deployCheck } from '../../src/temporal/deploy-check.js';
import { loadHistory } from '../replay/histories.js';
import { quietRuntime, workflowBundle } from '../support/temporal.js';

type History = Awaited<ReturnType<typeof loadHistory>>;

/** A history whose last scheduled activity is one today's code does not schedule there. */
async function brokenHistory(name: string): Promise<History> {
  const history = await loadHistory(name);
  const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).at(-1)!;
  scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'renamedActivity' };
  return history;
}

/** A client whose server lists these running journeys, in this order, with these histories. */
function serverWith(journeys: { workflowId: string; flow: string; history: History }[]): Client {
  const executions = journeys.map(
    (j) =>
      ({
        workflowId: j.workflowId,
        runId: `run-${j.workflowId}`,
        type: 'flowJourney',
        typedSearchAttributes: new TypedSearchAttributes([
          { key: CAMPAIGN, value: j.flow },
          { key: STEP, value: 'wait' },
        ]),
      }) as unknown as WorkflowExecutionInfo,
  );
  const histories = new Map(journeys.map((j) => [j.workflowId, j.history]));
  return {
    workflow: {
      async *list() {
        yield* executions;
      },
      getHandle: (workflowId: string) => ({ fetchHistory: async () => histories.get(workflowId) }),
    },
  } as unknown as Client;
}

describe('deploy check over flow journeys', () => {
  it('samples each flow apart, so a change that breaks one flow’s journeys is caught', async () => {
    quietRuntime();
    const fine = await loadHistory('flow--low-clv-reminder-sent');
    const broken = await brokenHistory('flow--low-clv-reminder-sent');
    const client = serverWith([
      { workflowId: 'nudge/1', flow: 'nudge', history: fine },
      { workflowId: 'nudge/2', flow: 'nudge', history: fine },
      { workflowId: 'nudge/3', flow: 'nudge', history: fine },
      { workflowId: 'vip/4', flow: 'vip', history: broken },
    ]);
    const result = await deployCheck({
      client,
      workflows: { workflowBundle: workflowBundle() },
      allBelow: 2,
      perStep: 1,
    });
    expect(result).toMatchObject({ running: 4, checked: 2, sampled: true });
    expect(result.groups).toEqual([
      { workflowType: 'flowJourney', campaign: 'nudge', step: 'wait', running: 3, checked: 1 },
      { workflowType: 'flowJourney', campaign: 'vip', step: 'wait', running: 1, checked: 1 },
    ]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      workflowId: 'vip/4',
      workflowType: 'flowJourney',
      campaign: 'vip',
      step: 'wait',
    });
    // The first mismatching command, as the README shows it: not the replayer's preamble, nor
    // the debug print of the failure it wraps.
    expect(result.failures[0]!.mismatch).toMatch(/^\[TMPRL1100\] Nondeterminism error: \S/);
    expect(result.failures[0]!.mismatch).not.toMatch(/Replay failed|Failure \{|\\"/);
  });

  it('replays every running flow journey when there are few', async () => {
    quietRuntime();
    const client = serverWith([
      {
        workflowId: 'nudge/1',
        flow: 'nudge',
        history: await loadHistory('flow--low-clv-reminder-sent'),
      },
      {
        workflowId: 'nudge/2',
        flow: 'nudge',
        history: await loadHistory('flow--low-clv-purchase-during-wait'),
      },
    ]);
    const result = await deployCheck({
      client,
      workflows: { workflowBundle: workflowBundle() },
      allBelow: 1000,
      perStep: 1,
    });
    expect(result).toMatchObject({ running: 2, checked: 2, sampled: false, failures: [] });
  });
});
