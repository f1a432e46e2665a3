/**
 * An experiment inside a flow, end to end with every real part but the clock (real activities on
 * real Postgres, the time-skipping test server): a three-arm split of offers on a shop's contacts,
 * purchases whose true conversion rate differs by arm (seeded), the report naming the arm that
 * truly converts best, and `experiment conclude` sending every new journey to it while journeys
 * already running, even those that have not reached the split yet, keep their own arm.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { concludeExperiment } from '../../src/campaigns/experiments.js';
import { controlTaskQueue, journeyQuery } from '../../src/campaigns/journey-contract.js';
import { formatReport } from '../../src/cli/report.js';
import { chooseArm } from '../../src/domain/flows/split.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { launchCampaign } from '../../src/workflows/launch.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { seedReengageContacts } from '../support/customers.js';
import { insertOrders } from '../support/orders.js';
import { until } from '../support/processes.js';
import { REPORT_CONFIG } from '../reports/matchers.js';
import { SHOP_ENV, useStack } from '../support/stack.js';

const HOUR = 3_600_000;

const FLOW = `
id: which-offer
name: Which offer sells
kind: flow
audience: { limitation: with_email }
nodes:
  start: { type: entry, trigger: launch, next: settle }
  settle: { type: wait, duration: 1 hour, next: offer }
  offer:
    type: split
    experiment: { control: a }
    arms:
      - { name: a, weight: 1, next: send-a }
      - { name: b, weight: 1, next: send-b }
      - { name: c, weight: 1, next: send-c }
  send-a: { type: send, channel: email, template: { subject: Offer A, html: '<p>A</p><a href="{{ unsubscribe_url }}">unsubscribe</a>' }, next: wait-7d }
  send-b: { type: send, channel: email, template: { subject: Offer B, html: '<p>B</p><a href="{{ unsubscribe_url }}">unsubscribe</a>' }, next: wait-7d }
  send-c: { type: send, channel: email, template: { subject: Offer C, html: '<p>C</p><a href="{{ unsubscribe_url }}">unsubscribe</a>' }, next: wait-7d }
  wait-7d: { type: wait, duration: 7 days, next: done }
  done: { type: exit, reason: completed }
`;

/** The true conversion rate of each arm: c is the best offer by far, b a little better than a. */
const TRUE_RATE: Record<string, number> = { a: 0.05, b: 0.15, c: 0.65 };
const ARMS = [
  { name: 'a', weight: 1 },
  { name: 'b', weight: 1 },
  { name: 'c', weight: 1 },
];
/** The arm a contact takes, as the split picks it: the test's own account of the rule. */
const armOf = (contactId: number) => chooseArm(ARMS, contactId, 'offer').name;

describe('an experiment in a flow on a shop', () => {
  const stack = useStack({
    timeSkipping: true,
    workers: { env: SHOP_ENV, searchAttributes: false },
    timeout: 120_000,
  });

  it('names the arm that converts best, and once concluded new journeys take it while running ones keep theirs', async () => {
    const { env, database } = stack;
    const { db } = database;
    const control = controlTaskQueue(stack.workers!.taskQueue);
    const launch = async (n: number) =>
      env.client.workflow.execute(launchCampaign, {
        taskQueue: control,
        workflowId: `launch/which-offer-${n}`,
        args: [{ campaignId: 'which-offer', batchSize: 200 }],
      });
    const sentTo = async (ids: number[]) =>
      db
        .selectFrom('messages')
        .select(['contact_id', 'subject'])
        .where('campaign_id', '=', 'which-offer')
        .where('status', '=', 'sent')
        .where('contact_id', 'in', ids)
        .execute();
    const armsTaken = async (ids: number[]) =>
      new Map(
        (
          await db
            .selectFrom('journey_events')
            .select(['contact_id', 'detail'])
            .where('campaign_id', '=', 'which-offer')
            .where('type', '=', 'step_entered')
            .where('step', '=', 'offer')
            .where('contact_id', 'in', ids)
            .execute()
        ).map((e) => [e.contact_id, (e.detail as { arm?: string }).arm]),
      );

    await createCheckedCampaign(db, parseYaml(FLOW));
    const first = (await seedReengageContacts(db, 'shopper', 450)).map((c) => c.id);
    expect(await launch(1)).toMatchObject({ started: 450, done: true });
    await env.sleep(2 * HOUR);
    await until(
      async () => (await sentTo(first)).length === first.length,
      'an offer to each of the 450 contacts',
      60_000,
    );

    // Each journey wrote the arm it took, and the offer it sent is that arm's.
    const taken = await armsTaken(first);
    expect(first.map((id) => taken.get(id))).toEqual(first.map(armOf));
    const subjects = new Map((await sentTo(first)).map((m) => [m.contact_id, m.subject]));
    expect(first.every((id) => subjects.get(id) === `Offer ${armOf(id).toUpperCase()}`)).toBe(true);

    // Purchases at each arm's true rate (seeded), placed after the offers.
    const rng = mulberry32(24);
    const buyers = first.filter((id) => rng() < TRUE_RATE[armOf(id)]!);
    await insertOrders(
      db,
      'exp-',
      buyers.map((contact) => ({ contact, placedAt: new Date(), total: 40, status: 'paid' })),
    );

    const report = await buildReport(
      db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'which-offer' }),
    );
    const [experiment] = report.campaigns[0]!.experiments;
    const perArm = (arm: string, of: number[]) => of.filter((id) => armOf(id) === arm).length;
    expect(
      experiment!.arms.map((a) => [a.name, a.figures.journeys, a.figures.converted, a.decision]),
    ).toEqual([
      ['a', perArm('a', first), perArm('a', buyers), 'control'],
      ['b', perArm('b', first), perArm('b', buyers), 'keep_going'],
      ['c', perArm('c', first), perArm('c', buyers), 'winner'],
    ]);
    expect(experiment!.decision).toEqual({ winner: 'c', reason: 'c wins' });
    const c = experiment!.arms[2]!.vsControl!.conversionRate;
    // The always-valid interval is the wider one: it pays for being valid at every look.
    expect(c.alwaysValid!.lower).toBeGreaterThan(0);
    expect(c.fixedHorizon.status === 'ok' && c.fixedHorizon.low).toBeGreaterThan(
      c.alwaysValid!.lower,
    );
    expect(experiment!.daily.at(-1)!.arms.map((a) => a.journeys)).toEqual(
      ['a', 'b', 'c'].map((arm) => perArm(arm, first)),
    );
    expect(formatReport(report)).toContain('decision: c wins');

    // Contacts enrolled before the conclusion wait at "settle" under version 1; those after start on 2.
    const late = (await seedReengageContacts(db, 'late', 30)).map((x) => x.id);
    expect(await launch(2)).toMatchObject({ started: 30 });
    const enrolled = async () =>
      (
        await db
          .selectFrom('journeys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('campaign_id', '=', 'which-offer')
          .executeTakeFirstOrThrow()
      ).n;
    await until(async () => Number(await enrolled()) === 480, 'the late journeys enrolled', 30_000);
    const concluded = await concludeExperiment(
      { db, temporal: async () => env.client },
      'which-offer',
      'offer',
      'c',
    );
    expect(concluded).toMatchObject({ version: 2, previousVersion: 1, running: 480 });
    const fresh = (await seedReengageContacts(db, 'fresh', 30)).map((x) => x.id);
    expect(await launch(3)).toMatchObject({ started: 30 });

    await env.sleep(2 * HOUR);
    await until(
      async () => (await sentTo([...late, ...fresh])).length === 60,
      'an offer to each late and fresh contact',
      60_000,
    );
    const after = await armsTaken([...late, ...fresh]);
    expect(late.map((id) => after.get(id))).toEqual(late.map(armOf));
    expect(new Set(late.map(armOf)).size).toBe(3);
    expect(fresh.map((id) => after.get(id))).toEqual(fresh.map(() => 'c'));
    // `contact trace` shows the arm from the journey's own account of its steps.
    const state = await env.client.workflow.getHandle(`which-offer/${late[0]}`).query(journeyQuery);
    expect(state.steps.find((s) => s.step === 'offer')).toMatchObject({
      arm: armOf(late[0]!),
      definitionVersion: 1,
    });

    const concludedReport = await buildReport(
      db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'which-offer' }),
    );
    expect(concludedReport.campaigns[0]!.experiments[0]!.concludedFor).toBe('c');
  }, 120_000);
});
