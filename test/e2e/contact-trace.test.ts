/**
 * On the dev server (real search attributes and visibility): a contact's journey is found by
 * BoomerangContactId, and the trace shows its campaign, current step, next wake-up and UI link;
 * two campaigns of one name are told apart by their ids.
 */
import { describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { traceTable } from '../../src/cli/contact.js';
import { traceContact } from '../../src/services/contacts.js';
import { until } from '../support/processes.js';
import { lowClvCampaign } from '../support/campaigns.js';
import { lowValueCustomer } from '../support/customers.js';
import { LOW_CLV_STEPS, through } from '../support/journey-steps.js';
import { useStack } from '../support/stack.js';

describe('contact trace', () => {
  const stack = useStack({ workers: { env: { TEMPORAL_UI_URL: 'http://ui.example:8233' } } });

  it('finds the journey by contact and shows where it is and when it wakes up', async () => {
    const { env, database } = stack;
    const config = stack.workers!.config;
    const db = database.db;
    const id = await lowValueCustomer(db, 'grace@example.com');
    const campaign = await lowClvCampaign(db, 'trace', { name: 'Trace campaign', coupons: 5 });

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
    expect(trace!.steps.map((s) => s.step)).toEqual(through(LOW_CLV_STEPS, 'wait'));
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

    // A second campaign of the same name: the trace and its table tell them apart by id.
    const twin = await lowClvCampaign(db, 'trace-twin', { name: 'Trace campaign', coupons: 5 });
    await startJourney({ client: env.client, db, taskQueue: config.temporal.taskQueue }, twin, id);
    const both = await until(
      async () => {
        const t = await traceContact({ db, temporal: env.client, config }, id);
        return t.length === 2 ? t : undefined;
      },
      'both journeys to be visible',
      30_000,
    );
    expect(both.map((t) => [t.campaign, t.campaignId]).sort()).toEqual([
      ['Trace campaign', 'trace'],
      ['Trace campaign', 'trace-twin'],
    ]);
    const rows = traceTable(both).split('\n').slice(2);
    expect(rows.map((row) => row.split(/\s{2,}/).slice(0, 2)).sort()).toEqual([
      ['Trace campaign', 'trace'],
      ['Trace campaign', 'trace-twin'],
    ]);
  }, 90_000);
});
