/**
 * Journeys run for days: a deploy must not break those already running. Each recorded history is
 * replayed against today's workflow code; each has a negative twin (the history altered) that must
 * fail, which shows the check can fail.
 */
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { quietRuntime, workflowBundle } from '../support/temporal.js';
import { historyNames, loadHistory } from './histories.js';

const names = await historyNames();

describe('replay of recorded journeys', () => {
  it('has recorded histories of every campaign', () => {
    for (const prefix of ['low-clv-coupon--', 'inactive-reactivation--', 'welcome-voucher--'])
      expect(
        names.some((n) => n.startsWith(prefix)),
        prefix,
      ).toBe(true);
  });

  for (const name of names) {
    it(`replays ${name}`, async () => {
      quietRuntime();
      await Worker.runReplayHistory(
        { workflowBundle: workflowBundle() },
        await loadHistory(name),
        name,
      );
    });

    it(`rejects ${name} with an activity renamed (negative twin)`, async () => {
      quietRuntime();
      const history = await loadHistory(name);
      const scheduled = history
        .events!.filter((e) => e.activityTaskScheduledEventAttributes)
        .at(-1)!;
      scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'somethingElse' };
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, `${name}-altered`),
      ).rejects.toThrow(DeterminismViolationError);
    });
  }
});
