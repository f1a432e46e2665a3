/**
 * A flow's experiments in the report, on rows as the journeys write them (the arm in the split's
 * step event): per arm the journeys and conversions counted from the raw rows, held-out journeys
 * left out, the fixed-horizon interval beside the always-valid one, the daily looks cumulative,
 * the winner only when the always-valid interval says so; then the daily recompute's automatic
 * conclusion of an experiment that opted in, once and only once, and `experiment conclude`'s
 * refusals.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concludeDecidedExperiments, concludeExperiment } from '../../src/campaigns/experiments.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createCampaign, getCampaign } from '../../src/db/campaigns.js';
import { NotAnExperimentError, UnknownArmError } from '../../src/domain/flows/experiments.js';
import { alwaysValidInterval, decideExperiment } from '../../src/domain/reports/sequential.js';
import { newcombeDifferenceInterval } from '../../src/domain/reports/statistics.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { OPERATOR_KEY, startReportServer } from '../http/support.js';
import { ensureChromium, launchOperatorBrowser } from '../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertContacts } from '../support/orders.js';
import { runCli } from '../cli/support.js';
import { REPORT_CONFIG } from './matchers.js';

const DAY = 86_400_000;
/** The drawn experiment is saved here, as the dashboard test saves the whole page. */
const ARTIFACTS = path.join(PROJECT_ROOT, 'test/.artifacts');
const NOW = new Date('2026-11-20T12:00:00Z');
const RATE: Record<string, number> = { a: 0.1, b: 0.12, c: 0.6 };

function flow(id: string, autoConclude: boolean, arms = ['a', 'b', 'c']) {
  return {
    id,
    name: `Offers ${id}`,
    kind: 'flow',
    holdoutPercent: 10,
    nodes: {
      start: { type: 'entry', trigger: 'launch', next: 'pick' },
      pick: {
        type: 'split',
        experiment: { control: 'a', autoConclude },
        arms: arms.map((name) => ({ name, weight: 1, next: `send-${name}` })),
      },
      ...Object.fromEntries(
        arms.map((name) => [
          `send-${name}`,
          { type: 'send', channel: 'email', template: 'low-clv-offer', next: 'done' },
        ]),
      ),
      done: { type: 'exit', reason: 'completed' },
    },
  };
}

interface Seeded {
  arm: string;
  holdout: boolean;
  day: number;
  bought: boolean;
}

let database: TestDatabase;
const seeded: Seeded[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  await createCampaign(db, flow('offers', true));
  await createCampaign(db, flow('offers-manual', false));
  const ids = await insertContacts(db, 'arm', 1200);
  const rng = mulberry32(7);
  const journeys = [];
  const events = [];
  const orders = [];
  for (const [i, contactId] of ids.entries()) {
    const campaignId = i % 2 === 0 ? 'offers' : 'offers-manual';
    const arm = ['a', 'b', 'c'][i % 3]!;
    const holdout = i % 7 === 6;
    // Journeys take their arm over three days, ten days ago and after.
    const day = Math.floor(i / 400);
    const enteredAt = NOW.getTime() - (10 - day) * DAY;
    const bought = rng() < RATE[arm]!;
    if (campaignId === 'offers') seeded.push({ arm, holdout, day, bought });
    const workflowId = `${campaignId}/${contactId}`;
    journeys.push({
      workflow_id: workflowId,
      campaign_id: campaignId,
      contact_id: contactId,
      holdout,
      enrolled_at: new Date(enteredAt - 60_000),
    });
    events.push({
      idempotency_key: `${workflowId}:pick#1:entered`,
      workflow_id: workflowId,
      campaign_id: campaignId,
      contact_id: contactId,
      type: 'step_entered',
      step: 'pick',
      detail: JSON.stringify({ definitionVersion: 1, arm }),
      occurred_at: new Date(enteredAt),
    });
    // Bought the next day, within the window after the enrolment (nothing was sent).
    if (bought)
      orders.push({
        external_id: `o-${contactId}`,
        contact_id: contactId,
        placed_at: new Date(enteredAt + DAY),
        total: 30,
        currency: 'EUR',
        status: 'paid' as const,
      });
  }
  // A control and one arm no journey has taken yet: α is not shared out, and there is no interval.
  await createCampaign(db, flow('duel', false, ['a', 'b']));
  for (const contactId of await insertContacts(db, 'duel', 6)) {
    const workflowId = `duel/${contactId}`;
    const enteredAt = NOW.getTime() - DAY;
    journeys.push({
      workflow_id: workflowId,
      campaign_id: 'duel',
      contact_id: contactId,
      holdout: false,
      enrolled_at: new Date(enteredAt - 60_000),
    });
    events.push({
      idempotency_key: `${workflowId}:pick#1:entered`,
      workflow_id: workflowId,
      campaign_id: 'duel',
      contact_id: contactId,
      type: 'step_entered',
      step: 'pick',
      detail: JSON.stringify({ definitionVersion: 1, arm: 'a' }),
      occurred_at: new Date(enteredAt),
    });
  }
  await db.insertInto('journeys').values(journeys).execute();
  await db.insertInto('journey_events').values(events).execute();
  await db.insertInto('orders').values(orders).execute();
}, 120_000);

afterAll(() => database?.drop());

const report = async () =>
  buildReport(database.db, REPORT_CONFIG, {
    ...parseReportOptions({ campaign: 'offers' }, NOW),
    now: NOW,
  });

describe("a flow experiment's report", () => {
  it('counts journeys and conversions per arm from the rows, held-out journeys left out', async () => {
    const [experiment] = (await report()).campaigns[0]!.experiments;
    const treated = seeded.filter((s) => !s.holdout);
    const count = (arm: string) => ({
      journeys: treated.filter((s) => s.arm === arm).length,
      converted: treated.filter((s) => s.arm === arm && s.bought).length,
    });
    expect(
      experiment!.arms.map((a) => [
        a.name,
        a.figures.journeys,
        a.figures.converted,
        a.figures.revenue,
      ]),
    ).toEqual(
      ['a', 'b', 'c'].map((arm) => [
        arm,
        count(arm).journeys,
        count(arm).converted,
        count(arm).converted * 30,
      ]),
    );

    // The decision is sequential.ts's on those counts, with its intervals at α / 3.
    const verdict = decideExperiment({ name: 'a', outcome: count('a') }, [
      { name: 'b', outcome: count('b') },
      { name: 'c', outcome: count('c') },
    ]);
    expect(verdict.winner).toBe('c');
    expect(experiment!.decision).toEqual({ winner: 'c', reason: verdict.reason });
    expect(experiment!.arms.map((a) => a.decision)).toEqual(['control', 'keep_going', 'winner']);
    const c = experiment!.arms[2]!.vsControl!.conversionRate;
    expect(c.alwaysValid).toEqual(alwaysValidInterval(count('a'), count('c'), 0.05 / 3));
    const fixed = newcombeDifferenceInterval(
      count('c').converted,
      count('c').journeys,
      count('a').converted,
      count('a').journeys,
    );
    expect(c.fixedHorizon).toMatchObject({ status: 'ok', low: fixed.low, high: fixed.high });
    // Valid at every look costs width: the always-valid interval holds the fixed-horizon one.
    expect(c.alwaysValid!.lower).toBeLessThan(fixed.low);
    expect(c.alwaysValid!.upper).toBeGreaterThan(fixed.high);
    expect(experiment!.journeysNeeded).toMatchObject({ minimumDetectableEffect: 0.02 });
    expect(experiment!.journeysNeeded!.morePerArm).toBeGreaterThan(0);
  });

  it('keeps the look after every day: cumulative journeys, conversions on the day of the order', async () => {
    const [experiment] = (await report()).campaigns[0]!.experiments;
    const day = (d: number) => new Date(NOW.getTime() - (10 - d) * DAY).toISOString().slice(0, 10);
    // Arms taken on days 0, 1 and 2; orders the day after: day 3 has only conversions.
    expect(experiment!.daily.map((d) => d.date)).toEqual([0, 1, 2, 3].map(day));
    const treated = seeded.filter((s) => !s.holdout);
    experiment!.daily.forEach((look, d) => {
      const asOf = treated.filter((s) => s.day <= d);
      expect(look.arms.map((a) => [a.name, a.journeys, a.converted])).toEqual(
        ['a', 'b', 'c'].map((arm) => [
          arm,
          asOf.filter((s) => s.arm === arm).length,
          // Converted on the day after the arm: by look d, the buyers of days before d.
          treated.filter((s) => s.arm === arm && s.bought && s.day + 1 <= d).length,
        ]),
      );
    });
    const last = experiment!.daily.at(-1)!.arms[2]!.interval!;
    expect(last.lower).toBeCloseTo(
      experiment!.arms[2]!.vsControl!.conversionRate.alwaysValid!.lower,
      12,
    );
    expect(experiment!.arms[2]!.vsControl!.conversionRate.alwaysValidPValue).toBeLessThan(0.05 / 3);
  });

  it('shows the holdout uplift as an always-valid interval beside the fixed-horizon one', async () => {
    const results = (await report()).campaigns[0]!.results;
    expect(results.alwaysValidUplift.conversionRate).not.toBeNull();
    expect(results.alwaysValidUplift.conversionRate!.estimate).toBeCloseTo(
      results.conversionRateUplift.status === 'ok' ? results.conversionRateUplift.estimate : NaN,
      12,
    );
  });
});

describe('the dashboard in headless Chromium', () => {
  it('draws each arm with its decision and the always-valid interval after every day', async () => {
    const server = await startReportServer(database.db);
    const browser = await launchOperatorBrowser(await ensureChromium(), OPERATOR_KEY);
    const problems: string[] = [];
    try {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(`${server.base}/dashboard?campaign=offers`);
      await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
      const [experiment] = (await report()).campaigns[0]!.experiments;
      const block = page.locator('[data-testid="experiment"][data-node="pick"]');
      expect(await block.getAttribute('data-winner')).toBe('c');
      expect(
        await block
          .locator('[data-testid="experiment-arm"]')
          .evaluateAll((rows) =>
            rows.map((r) => [r.getAttribute('data-arm'), r.getAttribute('data-decision')]),
          ),
      ).toEqual(experiment!.arms.map((a) => [a.name, a.decision]));
      expect(await block.locator('[data-testid="experiment-decision"]').textContent()).toBe(
        'c wins',
      );
      // One point per arm (but the control) and day, at the interval of that day's look.
      const looks = await block
        .locator('[data-testid="experiment-look"]')
        .evaluateAll((els) =>
          els.map((el) => [
            el.getAttribute('data-arm'),
            el.getAttribute('data-date'),
            Number(el.getAttribute('data-lower')),
          ]),
        );
      expect(looks).toEqual(
        ['b', 'c'].flatMap((arm) =>
          experiment!.daily.map((d) => [
            arm,
            d.date,
            d.arms.find((a) => a.name === arm)!.interval!.lower,
          ]),
        ),
      );
      expect(await page.locator('[data-testid="uplift-always-valid"]').count()).toBe(1);
      // α shared out over three pairs: each comparison at 98.33%.
      expect(await block.locator('th').allTextContents()).toEqual(
        expect.arrayContaining(['vs control (95% fixed)', 'vs control (98.33% always-valid)']),
      );
      await mkdir(ARTIFACTS, { recursive: true });
      await block.screenshot({ path: path.join(ARTIFACTS, 'dashboard-experiment.png') });

      // One comparison keeps 95%, written as the fixed-horizon column writes it; no interval yet.
      await page.goto(`${server.base}/dashboard?campaign=duel`);
      await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
      const duel = page.locator('[data-testid="experiment"][data-node="pick"]');
      expect(await duel.locator('th').allTextContents()).toEqual(
        expect.arrayContaining(['vs control (95% fixed)', 'vs control (95% always-valid)']),
      );
      expect(
        (
          await duel.locator('[data-testid="experiment-arm"][data-arm="b"] td').allTextContents()
        ).slice(4, 7),
      ).toEqual(['—', '—', '—']);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);
});

describe('concluding an experiment', () => {
  it('concludes, once, only the experiments that opted in and whose winner is declared', async () => {
    const deps = { db: database.db, temporal: async () => Promise.reject(new Error('not needed')) };
    const first = await concludeDecidedExperiments(deps, REPORT_CONFIG, NOW);
    expect(first).toEqual([
      {
        campaignId: 'offers',
        node: 'pick',
        arm: 'c',
        version: 2,
        previousVersion: 1,
        running: 600,
      },
    ]);
    const stored = await getCampaign(database.db, 'offers');
    expect(stored.version).toBe(2);
    expect(JSON.stringify(stored.definition)).toContain('"winner":"c"');
    expect((await report()).campaigns[0]!.experiments[0]!.concludedFor).toBe('c');
    // The next day's run finds it concluded; the manual one stays as it is.
    expect(await concludeDecidedExperiments(deps, REPORT_CONFIG, NOW)).toEqual([]);
    expect((await getCampaign(database.db, 'offers-manual')).version).toBe(1);
  });

  it('refuses a node that is no experiment and an arm it does not have', async () => {
    const deps = { db: database.db, temporal: async () => Promise.reject(new Error('not needed')) };
    await expect(concludeExperiment(deps, 'offers-manual', 'send-a', 'a')).rejects.toThrow(
      NotAnExperimentError,
    );
    await expect(concludeExperiment(deps, 'offers-manual', 'pick', 'd')).rejects.toThrow(
      new UnknownArmError('pick', 'd', ['a', 'b', 'c']),
    );
  });

  it('on the command line: the report prints the experiment, and conclude saves the next version', async () => {
    const printed = await runCli(database.url, ['report', 'offers-manual']);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('Experiment at node "pick" (split; control: a)');
    expect(printed.stdout).toContain('decision: c wins');
    expect(printed.stdout).toContain('always-valid method: mSPRT');
    // The experiments alone, as the report prints them.
    const shown = await runCli(database.url, ['experiment', 'show', 'offers-manual']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Experiment at node "pick" \(split; control: a\)/);
    expect(printed.stdout).toContain(shown.stdout.trim());
    expect(shown.stdout).toContain('RATE vs CONTROL (98.33% always-valid)');
    // One comparison keeps 95%, as the fixed-horizon header says it; an empty cell is a bare dash.
    const duel = await runCli(database.url, ['experiment', 'show', 'duel']);
    expect(duel.stdout).toContain('RATE vs CONTROL (95% fixed)');
    expect(duel.stdout).toContain('RATE vs CONTROL (95% always-valid)');
    expect(duel.stdout).not.toContain('— pts');
    expect(duel.stdout).toMatch(/^ +b +0 .* — +— +— +keep_going$/m);
    // --json, as most commands have it: the report's experiments of the campaign.
    const json = await runCli(database.url, ['experiment', 'show', 'offers-manual', '--json']);
    expect(json.code).toBe(0);
    const reported = await runCli(database.url, ['report', 'offers-manual', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(reported.stdout).campaigns[0].experiments);
    const unknown = await runCli(database.url, ['experiment', 'show', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown campaign "nope"');

    const conclude = (arm: string) =>
      runCli(database.url, ['experiment', 'conclude', 'offers-manual', 'pick', '--arm', arm]);
    const refused = await conclude('z');
    expect(refused).toMatchObject({ code: 2 });
    expect(refused.stderr).toContain('experiment "pick" has no arm "z"; its arms: a, b, c');
    const done = await conclude('b');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(
      'experiment "pick" of "offers-manual" is concluded: journeys started from now on take arm b (version 2, was 1)',
    );
    expect(done.stdout).toContain('600 running journeys keep the version they run');
  });
});
