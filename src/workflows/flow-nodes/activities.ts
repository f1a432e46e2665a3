/** The activities only flows use (conditions in the rule language, segment removal, tags). */
import { proxyActivities } from '@temporalio/workflow';
import type { FlowActivities } from '../../activities/flows.js';

// Look-ups and updates take milliseconds; a worker that dies mid-activity is noticed within 30 s.
export const flowActivities = proxyActivities<FlowActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
