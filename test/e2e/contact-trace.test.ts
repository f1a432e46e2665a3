/**
 * On the dev server (real search attributes and visibility): a contact's journey is found by
 * BoomerangContactId, and the trace shows its campaign, current step, next wake-up and UI link.
 */
import { describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { traceContact } from '../../src/cli/contact.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { ensurePresetSegments } from '../../src/db/segments.js';
import { until } from '../support/processes.js';
import { lowValueCustomer } from '../support/customers.js';
import { useStack } from '../support/stack.js';

describe('contact trace', () => {
  const stack = useStack({ workers: { env: { TEMPORAL_UI_URL: 'http://ui.example:8233' } } });

  it('finds the journey by contact and shows where it is and when it wakes up', async () => {
    const { env, database } = stack;
    const config = stack.workers!.config;
    const db = database.db;
    await ensurePresetSegments(db);
    const id = await lowValueCustomer(db, 'grace@example.com', {
      totalSpent: 30,
      ageDays: 300,
      clv12m: 12,
      forecast: 0.2,
    });
    await generateCoupons(db, 'trace', 5);
    const { campaign } = await saveCampaign(db, {
      id: 'trace',
      name: 'Trace campaign',
      kind: 'low_clv_coupon',
      couponSet: 'trace',
    });

    const before = Date.now();
    const { outcome, workflowId } = await startJourney(
      { client: env.client, db, taskQueue: config.temporal.taskQueue },
      campaign,
      id,
    );
    expect([outcome, workflowId]).toEqual(['started', `trace/${id}`]);

    const traces = await until(
      async () => {
        const t = await traceContact({ db, temporal: env.client, config }, id);
        return t.length === 1 && t[0]!.currentStep === 'wait' && t[0]!.nextWakeUp ? t : undefined;
      },
      'the journey to be visible and waiting',
      30_000,
    );
    const [trace] = traces;
    expect(trace).toMatchObject({
      workflowId: `trace/${id}`,
      campaign: 'Trace campaign',
      workflowType: 'lowClvCouponJourney',
      status: 'RUNNING',
      holdout: false,
      endReason: null,
    });
    expect(trace!.steps.map((s) => s.step)).toEqual([
      'is_in_segment',
      'assign_coupon',
      'send_offer',
      'wait',
    ]);
    const wake = Date.parse(trace!.nextWakeUp!);
    expect(wake - before).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(wake - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    expect(trace!.url).toBe(
      `http://ui.example:8233/namespaces/default/workflows/trace%2F${id}/${trace!.runId}/history`,
    );

    // The Web UI's search finds it by the step too.
    const byStep = [];
    for await (const w of env.client.workflow.list({
      query: `BoomerangCampaign = "trace" AND BoomerangStep = "wait"`,
    }))
      byStep.push(w.workflowId);
    expect(byStep).toEqual([`trace/${id}`]);
  }, 90_000);
});
