/**
 * A flow as a shop writes it, end to end on the dev server with the real workers: created from
 * YAML through the same check as `campaign create`, launched with `campaign launch` (the launch
 * workflow enrols through the flow interpreter), its first email in the outbox, its journey traced
 * with node ids as steps, and a purchase ending it; and a flow whose entry is a registration,
 * started by the store's `account_registered` event.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { describeResult } from '../../src/inbox/apply.js';
import { validateCampaign } from '../../src/campaigns/validate.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { REPORT_CONFIG } from '../reports/matchers.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { seedReengageContacts } from '../support/customers.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useClientFromEnvironment, useStack } from '../support/stack.js';

const THANK_YOU = `
id: thank-you
name: Thank-you coupon
kind: flow
audience: { limitation: with_email }
exitWhen: { purchase: true }
nodes:
  start: { type: entry, trigger: launch, next: coupon }
  coupon: { type: coupon, couponSet: thanks, validFor: 14 days, next: send-offer }
  send-offer: { type: send, channel: email, template: low-clv-offer, coupon: coupon, next: wait-7d }
  wait-7d: { type: wait, duration: 7 days, next: send-reminder }
  send-reminder: { type: send, channel: email, template: low-clv-reminder, coupon: coupon, next: done }
  done: { type: exit, reason: completed }
`;

const WELCOME = `
id: hello
name: Hello on registration
kind: flow
audience: { limitation: with_email }
nodes:
  start: { type: entry, trigger: event, event: account_registered, next: send-hello }
  send-hello: { type: send, channel: email, template: welcome-offer, next: wait-2d }
  wait-2d: { type: wait, duration: 2 days, next: done }
  done: { type: exit, reason: completed }
`;

describe('a flow campaign end to end', () => {
  const stack = useStack({ workers: { env: SHOP_ENV, name: 'flow' } });
  const boomerang = useClientFromEnvironment(stack);

  it('is refused before its coupon set exists, then launched: first email, node ids traced, a purchase ends it', async () => {
    const { db } = stack.database;
    const contacts = await seedReengageContacts(db, 'flow-buyer', 2);
    const definition = parseYaml(THANK_YOU) as unknown;

    expect(await validateCampaign(db, definition)).toEqual({
      problems: [
        'nodes.coupon.couponSet: no coupon set "thanks"; create it with `boomerang coupons generate thanks --count N`',
      ],
    });
    await generateCoupons(db, 'thanks', 5, { prefix: 'THX-' });
    expect(await validateCampaign(db, definition)).toEqual({
      campaign: { id: 'thank-you', kind: 'flow' },
      problems: [],
    });
    await createCheckedCampaign(db, definition);

    const launch = await boomerang.client.launchCampaign('thank-you');
    expect(launch.progress).toMatchObject({ total: 2, started: 2, done: true });

    const offers = () =>
      db
        .selectFrom('messages')
        .select(['contact_id', 'template', 'status', 'to_address'])
        .where('campaign_id', '=', 'thank-you')
        .orderBy('contact_id')
        .execute();
    await until(
      async () => (await offers()).filter((m) => m.status === 'sent').length === 2,
      'two offers sent to the outbox',
      30_000,
    );
    expect(await offers()).toEqual(
      contacts.map(({ id }, i) => ({
        contact_id: id,
        template: 'low-clv-offer',
        status: 'sent',
        to_address: `flow-buyer${i}@example.com`,
      })),
    );

    const waiting = await until(
      async () => {
        const trace = await boomerang.client.traceContact('flow-buyer0@example.com');
        return trace.journeys[0]?.currentStep === 'wait-7d' ? trace : undefined;
      },
      'the journey to wait at node wait-7d',
      30_000,
    );
    expect(waiting.journeys[0]).toMatchObject({
      workflowId: `thank-you/${contacts[0]!.id}`,
      workflowType: 'flowJourney',
      status: 'RUNNING',
    });
    expect(waiting.journeys[0]!.steps.map((s) => s.step)).toEqual([
      'coupon',
      'send-offer',
      'wait-7d',
    ]);

    await boomerang.client.recordPurchase({
      email: 'flow-buyer0@example.com',
      orderId: 'flow-1001',
      total: 30,
      placedAt: new Date(),
    });
    const bought = stack.env.client.workflow.getHandle(`thank-you/${contacts[0]!.id}`);
    expect(((await bought.result()) as JourneyResult).endReason).toBe('purchased');

    // The report (and the dashboard drawing it) counts journeys per node of the flow's graph.
    const report = await until(
      async () => {
        const r = await buildReport(
          db,
          REPORT_CONFIG,
          parseReportOptions({ campaign: 'thank-you' }),
        );
        return r.campaigns[0]?.journeys.ended === 1 ? r : undefined;
      },
      'the report to count the ended journey',
      30_000,
    );
    const funnel = report.campaigns[0]!.funnel;
    expect(funnel.nodes.map((n) => [n.id, n.reached, n.here])).toEqual([
      ['enrolled', 2, 0],
      ['coupon', 2, 0],
      ['send-offer', 2, 0],
      ['wait-7d', 2, 1],
      ['send-reminder', 0, 0],
    ]);
    expect(funnel.exits).toContainEqual(
      expect.objectContaining({ from: 'wait-7d', reason: 'purchased' }),
    );
    await boomerang.client.stopCampaign('thank-you');
  }, 120_000);

  it("starts the README's second-order nudge on a first purchase, and a second order ends it", async () => {
    const { db } = stack.database;
    const [contact] = await seedReengageContacts(db, 'nudge', 1);
    await generateCoupons(db, 'second-order', 2, { prefix: 'NUDGE-' });
    const file = path.join(PROJECT_ROOT, 'examples', 'flows', 'second-order-nudge.yaml');
    await createCheckedCampaign(db, parseYaml(await readFile(file, 'utf8')));

    const first = await boomerang.client.recordPurchase({
      email: 'nudge0@example.com',
      orderId: 'n-1',
      total: 20,
    });
    expect(first).toMatchObject({
      status: 'applied',
      result: { journeys: [{ campaignId: 'second-order-nudge', outcome: 'started' }] },
    });
    // What `boomerang event purchase` and the inbox log print.
    expect(first.status === 'applied' && first.result && describeResult(first.result)).toMatch(
      /; 0 running journeys signalled; 1 journey started$/,
    );
    const workflowId = `second-order-nudge/${contact!.id}`;
    await until(
      async () => {
        const trace = await boomerang.client.traceContact('nudge0@example.com');
        const journey = trace.journeys.find((j) => j.workflowId === workflowId);
        return journey?.currentStep === 'wait-30d' ? journey : undefined;
      },
      'the nudge to wait 30 days after a first order',
      30_000,
    );
    const second = await boomerang.client.recordPurchase({
      email: 'nudge0@example.com',
      orderId: 'n-2',
      total: 25,
    });
    expect(second).toMatchObject({
      result: { journeysSignalled: 1, journeys: [{ workflowId, outcome: 'already_enrolled' }] },
    });
    expect(second.status === 'applied' && second.result && describeResult(second.result)).toMatch(
      /; 1 running journey signalled; 0 journeys started, 1 already enrolled$/,
    );
    const ended = (await stack.env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(ended.endReason).toBe('purchased');
    expect(ended.steps.map((s) => s.step)).toEqual(['first-order', 'wait-30d', 'end']);
    await boomerang.client.stopCampaign('second-order-nudge');
  }, 120_000);

  it('starts a flow whose entry is a registration when the store reports one', async () => {
    const { db } = stack.database;
    await createCheckedCampaign(db, parseYaml(WELCOME));
    await expect(boomerang.client.launchCampaign('hello')).rejects.toMatchObject({
      reason: 'not_launched',
    });
    const recorded = await boomerang.client.recordEvent({
      type: 'account_registered',
      contact: { email: 'new-flow@example.com', newsletter: 'subscribed' },
    });
    expect(recorded).toMatchObject({
      status: 'applied',
      result: {
        type: 'account_registered',
        journeys: [{ campaignId: 'hello', outcome: 'started' }],
      },
    });
    const hello = () =>
      db
        .selectFrom('messages')
        .select(['template', 'to_address'])
        .where('campaign_id', '=', 'hello')
        .execute();
    await until(async () => (await hello()).length === 1, 'the hello email', 30_000);
    expect(await hello()).toEqual([
      { template: 'welcome-offer', to_address: 'new-flow@example.com' },
    ]);
    await boomerang.client.stopCampaign('hello');
  }, 120_000);
});
