/**
 * On the dev server with the real workers: a journey made to fail (a template that cannot render,
 * saved past `campaign create`'s checks) is reported failed, with why, everywhere: its journeys
 * row, the report (and so the dashboard), /metrics and `contact trace`. A journey whose workflow
 * closed without its row knowing (terminated) is settled by `campaign stop`'s settling step.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { settleClosedJourneys } from '../../src/campaigns/settle.js';
import { traceContact } from '../../src/services/contacts.js';
import { collectMetrics } from '../../src/reports/metrics.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { REPORT_CONFIG } from '../reports/matchers.js';
import { until } from '../support/processes.js';
import { useStack } from '../support/stack.js';
import { lowClvCampaign } from '../support/campaigns.js';
import { lowValueCustomer } from '../support/customers.js';

describe('a failed journey', () => {
  const stack = useStack({ workers: { name: 'failed' } });

  it('is failed, with its reason, in its row, the report, /metrics and contact trace', async () => {
    const { env, database } = stack;
    const config = stack.workers!.config;
    const db = database.db;
    const campaign = await lowClvCampaign(db, 'broken', {
      name: 'Broken template',
      coupons: 5,
      definition: {
        emails: {
          offer: {
            subject: 'Hi',
            html: '{{ contact.first_name | nosuchfilter }} <a href="{{ unsubscribe_url }}">u</a>',
          },
        },
      },
    });
    const contactId = await lowValueCustomer(db, 'fail@example.com');
    const starter = { client: env.client, db, taskQueue: config.temporal.taskQueue };
    const { workflowId } = await startJourney(starter, campaign, contactId);
    const failure = await env.client.workflow
      .getHandle(workflowId)
      .result()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(WorkflowFailedError);

    const row = await db
      .selectFrom('journeys')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .executeTakeFirstOrThrow();
    expect(row.ended_at).not.toBeNull();
    expect(row.end_reason).toBe('failed');
    expect(row.failure).toMatch(/nosuchfilter/);

    const report = await buildReport(db, REPORT_CONFIG, parseReportOptions({ campaign: 'broken' }));
    expect(report.campaigns[0]!.journeys).toMatchObject({ active: 0, ended: 1, failed: 1 });
    expect(report.campaigns[0]!.endings).toContainEqual(
      expect.objectContaining({ reason: 'failed', count: 1 }),
    );

    const metrics = await collectMetrics(db);
    expect(
      metrics.find((m) => m.name === 'boomerang_journeys_completed_total')?.samples,
    ).toContainEqual({ labels: { campaign: 'broken', reason: 'failed' }, value: 1 });

    const traces = await until(
      async () => {
        const t = await traceContact({ db, temporal: env.client, config }, contactId);
        return t.length === 1 && t[0]!.status === 'FAILED' ? t : undefined;
      },
      'the failed journey to be visible',
      30_000,
    );
    expect(traces[0]).toMatchObject({
      endReason: 'failed',
      failure: expect.stringMatching(/nosuchfilter/),
    });
  }, 120_000);

  it('is settled when its workflow closed without the row knowing (campaign stop)', async () => {
    const { env, database } = stack;
    const config = stack.workers!.config;
    const db = database.db;
    const campaign = await lowClvCampaign(db, 'settle', { name: 'Settle', coupons: 5 });
    const starter = { client: env.client, db, taskQueue: config.temporal.taskQueue };
    const [terminatedId, runningId] = [
      await lowValueCustomer(db, 'term@example.com'),
      await lowValueCustomer(db, 'run@example.com'),
    ];
    const terminated = await startJourney(starter, campaign, terminatedId);
    await startJourney(starter, campaign, runningId);
    await until(
      async () => {
        const open = await db
          .selectFrom('journeys')
          .select('workflow_id')
          .where('campaign_id', '=', 'settle')
          .execute();
        return open.length === 2 ? open : undefined;
      },
      'both journeys to be enrolled',
      30_000,
    );
    await env.client.workflow.getHandle(terminated.workflowId).terminate('operator error');

    expect(await settleClosedJourneys({ client: env.client, db }, 'settle')).toEqual({
      running: 1,
      failed: 1,
      completed: 0,
    });
    const row = await db
      .selectFrom('journeys')
      .selectAll()
      .where('workflow_id', '=', terminated.workflowId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ end_reason: 'failed' });
    expect(row.failure).toMatch(/terminated/i);
  }, 120_000);
});
