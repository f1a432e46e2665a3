/** The Temporal Schedule of the daily indicator recompute, created or updated on worker start. */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { controlTaskQueue } from '../campaigns/journey-contract.js';
import type { Config } from '../config.js';

export const RECOMPUTE_SCHEDULE_ID = 'boomerang-daily-recompute';

export async function ensureRecomputeSchedule(
  client: Client,
  config: Config,
): Promise<'created' | 'updated' | 'unchanged'> {
  const spec = { cronExpressions: [config.recomputeCron] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'recomputeIndicators',
    workflowId: 'recompute/scheduled',
    taskQueue: controlTaskQueue(config.temporal.taskQueue),
    args: [{}],
  };
  try {
    await client.schedule.create({
      scheduleId: RECOMPUTE_SCHEDULE_ID,
      spec,
      action,
      // A recompute still running when the next one is due: skip, never pile up.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      // The server turns cron text into calendars; the memo keeps the text to compare with later.
      memo: {
        description: 'Daily refit of value models, indicators and segments (Boomerang)',
        cron: config.recomputeCron,
      },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(RECOMPUTE_SCHEDULE_ID);
  const current = await handle.describe();
  if (
    current.memo?.cron === config.recomputeCron &&
    current.action.type === 'startWorkflow' &&
    current.action.taskQueue === action.taskQueue
  )
    return 'unchanged';
  // The memo cannot be updated through update(): recreate the schedule with the new spec.
  await handle.delete();
  return (await ensureRecomputeSchedule(client, config)) === 'created' ? 'updated' : 'unchanged';
  return 'updated';
}
