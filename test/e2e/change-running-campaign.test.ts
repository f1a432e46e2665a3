/**
 * Changing a campaign while its journeys sleep, on the dev server with the real worker and
 * Postgres: `campaign update` changes the voucher template of two welcome campaigns while their
 * journeys wait; the one updated with `--running adopt` sends the new voucher, the other the old.
 * Then, with the journeys asleep in their next wait, `deploy check` replays them against a
 * deliberately incompatible change of the welcome journey (caught) and its patched() twin (passes).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { createCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { buildReport } from '../../src/reports/report.js';
import { journeyQuery } from '../../src/campaigns/journey-contract.js';
import { runCli } from '../cli/support.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';
import { createDevServerEnv } from '../support/temporal.js';
import { type RunningWorkers, startRealWorkers } from '../support/workers.js';

const FIXTURES = path.join(
  path.dirname(new URL(import.meta.url).pathname),
  '../fixtures/workflows',
);

describe('changing a running campaign, and deploying new code', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let workers: RunningWorkers | undefined;
  const saved = process.env.TEMPORAL_ADDRESS;

  beforeAll(async () => {
    [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
    workers = await startRealWorkers(env, database.db);
    process.env.TEMPORAL_ADDRESS = env.address;
  }, 120_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = saved;
    await workers?.stop();
    await env?.teardown();
    await database?.drop();
  });

  const welcome = (id: string) => ({
    id,
    name: `Welcome ${id}`,
    kind: 'welcome_voucher',
    couponSet: id,
    // Short first wait so the test can change the campaign while journeys sleep in it; the
    // second wait outlasts the test, so deploy check finds the journeys asleep there.
    waits: { afterWelcome: '15 seconds', afterVoucher: '1 hour' },
    contactWindow: {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      from: '00:00',
      to: '24:00',
    },
  });
  const newVoucher = {
    subject: 'NEW voucher {{ coupon.code }}',
    html: '<p>Your new voucher: {{ coupon.code }}</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>',
  };

  it('sends the new template where running journeys adopt the update, the old one where they keep theirs; deploy check guards code changes', async () => {
    const db = database.db;
    const contacts = await db
      .insertInto('contacts')
      .values(
        [1, 2, 3].map((i) => ({
          email: `c${i}@example.com`,
          newsletter_status: 'subscribed' as const,
        })),
      )
      .returning('id')
      .execute();
    for (const id of ['adopting', 'keeping']) {
      await generateCoupons(db, id, 5);
      const { definition } = await createCampaign(db, welcome(id));
      for (const c of contacts)
        await startJourney(
          { client: env.client, db, taskQueue: workers!.taskQueue },
          definition,
          c.id,
        );
    }
    const sent = (step: string) =>
      db
        .selectFrom('messages')
        .select(['campaign_id', 'contact_id', 'template', 'subject', 'workflow_id'])
        .where('idempotency_key', 'like', `%/${step}`)
        .orderBy('campaign_id')
        .orderBy('contact_id')
        .execute();
    await until(async () => (await sent('send_welcome')).length === 6, 'six welcome emails');

    // Both campaigns change the voucher email while their journeys sleep in the first wait.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-change-'));
    for (const [id, running] of [
      ['adopting', 'adopt'],
      ['keeping', 'keep'],
    ] as const) {
      const f = path.join(dir, `${id}.json`);
      await fs.writeFile(f, JSON.stringify({ ...welcome(id), emails: { voucher: newVoucher } }));
      const update = await runCli(database.url, [
        'campaign',
        'update',
        id,
        '--file',
        f,
        '--running',
        running,
      ]);
      expect(update.stderr).toBe('');
      expect(update.code).toBe(0);
      expect(update.stdout).toContain(
        `campaign "${id}" is now version 2 (was 1); changed: emails.voucher`,
      );
      expect(update.stdout).toContain(
        running === 'adopt'
          ? '3 running journeys told to take version 2 at their next node'
          : '3 running journeys keep the version they run',
      );
    }
    await fs.rm(dir, { recursive: true, force: true });

    const vouchers = await until(
      async () => {
        const v = await sent('send_voucher');
        return v.length === 6 && v;
      },
      'six voucher emails',
      90_000,
    );
    for (const v of vouchers) {
      if (v.campaign_id === 'adopting') {
        expect(v.template).toBe('inline');
        expect(v.subject).toMatch(/^NEW voucher /);
      } else {
        expect(v.template).toBe('welcome-voucher');
      }
    }

    // Each step names the version it ran under: adopted from the first node after the wait.
    const adopting = env.client.workflow.getHandle(
      vouchers.find((v) => v.campaign_id === 'adopting')!.workflow_id!,
    );
    // The voucher is recorded as sent a moment before the journey enters its next wait.
    const state = await until(async () => {
      const s = await adopting.query(journeyQuery);
      return s.steps.length === 7 && s;
    }, 'the adopting journey asleep after its voucher');
    expect(state.steps.map((s) => [s.step, s.definitionVersion])).toEqual([
      ['send_welcome', 1],
      ['wait', 1],
      ['has_purchased', 2],
      ['wait_for_window', 2],
      ['assign_coupon', 2],
      ['send_voucher', 2],
      ['wait', 2],
    ]);
    const versions = await db
      .selectFrom('journeys')
      .select(['campaign_id', 'definition_version'])
      .orderBy('campaign_id')
      .execute();
    expect(versions.map((v) => `${v.campaign_id}:v${v.definition_version}`)).toEqual([
      'adopting:v2',
      'adopting:v2',
      'adopting:v2',
      'keeping:v1',
      'keeping:v1',
      'keeping:v1',
    ]);
    const report = await buildReport(db, workers!.config, {
      window: { text: '7d', ms: 7 * 86_400_000 },
    });
    const byVersion = (id: string) =>
      report.campaigns
        .find((c) => c.id === id)!
        .results.byDefinitionVersion.map((v) => [v.version, v.all.journeys]);
    expect(byVersion('adopting')).toEqual([[2, 3]]);
    expect(byVersion('keeping')).toEqual([[1, 3]]);

    // The journeys now sleep in the hour-long wait; replay them against changed code.
    await until(async () => {
      const listed = await env.client.workflow.count(
        'ExecutionStatus = "Running" AND BoomerangStep = "wait"',
      );
      return listed.count === 6;
    }, 'six journeys listed asleep in their second wait');
    const check = (workflows: string) =>
      runCli(database.url, ['deploy', 'check', '--workflows', path.join(FIXTURES, workflows)]);

    const incompatible = await check('incompatible.ts');
    expect(incompatible.code).toBe(1);
    expect(incompatible.stdout).toContain('6 of 6 running workflows replayed');
    expect(incompatible.stdout).toContain('6 would fail after the deploy');
    expect(incompatible.stdout).toMatch(
      /adopting\/\d+ \(welcomeVoucherJourney, step wait\): .*[Nn]ondetermin/,
    );

    const patched = await check('patched.ts');
    expect(patched.stdout).toContain('6 of 6 running workflows replayed');
    expect(patched.stdout).toContain('ok: every checked workflow replays on this code');
    expect(patched.code).toBe(0);

    // Above --all-below, a sample per workflow type and current step.
    const sample = await runCli(database.url, [
      'deploy',
      'check',
      '--all-below',
      '2',
      '--per-step',
      '1',
      '--workflows',
      path.join(FIXTURES, 'incompatible.ts'),
      '--json',
    ]);
    expect(sample.code).toBe(1);
    expect(JSON.parse(sample.stdout)).toMatchObject({
      ok: false,
      running: 6,
      checked: 1,
      sampled: true,
      groups: [{ workflowType: 'welcomeVoucherJourney', step: 'wait', running: 6, checked: 1 }],
    });

    const today = await runCli(database.url, ['deploy', 'check', '--json']);
    expect(JSON.parse(today.stdout)).toMatchObject({
      ok: true,
      running: 6,
      checked: 6,
      sampled: false,
    });
  }, 300_000);
});
