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

/** Renames the last activity a history ran: a scheduled one, else a local one (in its marker). */
function renameLastActivity(history: Awaited<ReturnType<typeof loadHistory>>): void {
  const activities = history.events!.filter(
    (e) =>
      e.activityTaskScheduledEventAttributes ||
      e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
  );
  const event = activities.at(-1)!;
  if (event.activityTaskScheduledEventAttributes) {
    event.activityTaskScheduledEventAttributes.activityType = { name: 'somethingElse' };
    return;
  }
  const payload = event.markerRecordedEventAttributes!.details!.data!.payloads![0]!;
  const marker = JSON.parse(new TextDecoder().decode(payload.data!)) as Record<string, unknown>;
  payload.data = new TextEncoder().encode(
    JSON.stringify({ ...marker, activity_type: 'somethingElse' }),
  );
}

describe('replay of recorded journeys', () => {
  it('has recorded histories of every campaign', () => {
    for (const prefix of [
      'low-clv-coupon--',
      'inactive-reactivation--',
      'welcome-voucher--',
      'flow--',
    ])
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
      renameLastActivity(history);
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, `${name}-altered`),
      ).rejects.toThrow(DeterminismViolationError);
    });
  }
});
