/**
 * A journey asleep in its wait takes a newer campaign definition at its next node when told to
 * (`campaign update --running adopt`): the new template, but the wait already started keeps its
 * length; each step names the version it ran under. Time-skipping test server, typed fakes.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LowClvCouponCampaign,
  parseCampaignDefinition,
} from '../../src/domain/campaigns/definition.js';
import {
  journeyQuery,
  type JourneyResult,
  updateDefinitionSignal,
} from '../../src/campaigns/journey-contract.js';
import { lowClvCouponJourney } from '../../src/workflows/low-clv-coupon.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { journeyWorkers } from './journey-harness.js';

const DAY = 86_400_000;
const v1 = parseCampaignDefinition({
  id: 'low-clv',
  name: 'Low CLV coupon',
  kind: 'low_clv_coupon',
  couponSet: 'low-clv',
}) as LowClvCouponCampaign;
const v2 = parseCampaignDefinition({
  ...v1,
  emails: {
    offer: 'low-clv-offer',
    reminder: { subject: 'Last call', html: '<p>{{ coupon.code }}</p>' },
  },
  waits: { beforeReminder: '1 day' },
}) as LowClvCouponCampaign;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(() => env?.teardown());

async function journeyTold(update: { version: number; campaign: LowClvCouponCampaign } | null) {
  const workers = await journeyWorkers(env, {});
  const startedAt = await env.currentTimeMs();
  const result = await workers.run(async () => {
    const handle = await env.client.workflow.start(lowClvCouponJourney, {
      taskQueue: workers.taskQueue,
      workflowId: `low-clv/${workers.taskQueue}`,
      args: [{ campaign: v1, contactId: 7, definitionVersion: 1 }],
    });
    await env.sleep(DAY);
    if (update) {
      await handle.signal(updateDefinitionSignal, update);
      const state = await handle.query(journeyQuery);
      // Only a newer version waits for the next node; one the journey already runs is ignored.
      expect(state.definitionVersion).toBe(1);
      expect(state.pendingDefinitionVersion).toBe(update.version > 1 ? update.version : undefined);
    }
    return (await handle.result()) as JourneyResult;
  });
  const emails = workers.calls.filter((c) => c.name === 'sendEmail');
  const steps = workers.enteredSteps();
  return { result, emails, steps, startedAt };
}

describe('a running journey and a definition update', () => {
  it('takes the new reminder template at its next node, but keeps the wait it is in', async () => {
    const { result, emails, steps, startedAt } = await journeyTold({ version: 2, campaign: v2 });
    expect(result.endReason).toBe('completed');
    expect(emails.map((e) => e.input.template)).toEqual([
      'low-clv-offer',
      { subject: 'Last call', html: '<p>{{ coupon.code }}</p>' },
    ]);
    // The 7-day wait had started; the new 1-day length is for waits not yet started.
    expect(emails[1]!.at - startedAt).toBeGreaterThanOrEqual(7 * DAY);
    expect(result.steps.map((s) => [s.step, s.definitionVersion])).toEqual([
      ['is_in_segment', 1],
      ['assign_coupon', 1],
      ['send_offer', 1],
      ['wait', 1],
      ['still_in_segment', 2],
      ['has_purchased', 2],
      ['send_reminder', 2],
      ['end', 2],
    ]);
    expect(steps.map((s) => s.definitionVersion)).toEqual([1, 1, 1, 1, 2, 2, 2]);
  });

  it('keeps its definition when not told, and ignores a version it already runs', async () => {
    const kept = await journeyTold(null);
    expect(kept.emails.map((e) => e.input.template)).toEqual(['low-clv-offer', 'low-clv-reminder']);
    expect(new Set(kept.result.steps.map((s) => s.definitionVersion))).toEqual(new Set([1]));

    const stale = await journeyTold({ version: 1, campaign: v2 });
    expect(stale.emails.map((e) => e.input.template)).toEqual([
      'low-clv-offer',
      'low-clv-reminder',
    ]);
  });
});
