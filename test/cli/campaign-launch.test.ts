/**
 * `boomerang campaign launch` and `stop`, in-process on real Postgres with Temporal out of reach:
 * a campaign whose journeys start on an event is refused as a usage error (exit 2), saying it
 * cannot be launched and how its journeys start, without a coupon warning and without asking
 * Temporal; an empty coupon pool is warned of before the launch asks Temporal, and not for a
 * paused campaign, which is refused; the launch's and the stop's counts read in the singular for
 * one journey (the client's answers stubbed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BoomerangClient } from '../../src/client.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { saveCampaign, setCampaignStatus } from '../../src/db/campaigns.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { runCli } from './support.js';

describe('campaign launch', () => {
  let database: TestDatabase;
  const savedAddress = process.env.TEMPORAL_ADDRESS;

  beforeAll(async () => {
    database = await createTestDatabase();
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1'; // nothing listens: the refusal must not need it
  });
  afterAll(async () => {
    if (savedAddress === undefined) delete process.env.TEMPORAL_ADDRESS;
    else process.env.TEMPORAL_ADDRESS = savedAddress;
    await database?.drop();
  });
  /** A low-CLV campaign drawing from a coupon set of its own id, which has no code. */
  const saveLowClv = (id: string, name: string) =>
    saveCampaign(database.db, { id, name, kind: 'low_clv_coupon', couponSet: id });

  it('refuses a flow entered on an event: it cannot be launched, its journeys start when the event arrives', async () => {
    const flow = parseYaml(
      fs.readFileSync(
        path.join(PROJECT_ROOT, 'examples', 'flows', 'abandoned-checkout.yaml'),
        'utf8',
      ),
    );
    await saveCampaign(database.db, flow);
    const run = await runCli(database.url, ['campaign', 'launch', 'abandoned-checkout']);
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'boomerang: campaign "abandoned-checkout" cannot be launched: its journeys start when the event arrives; it starts on a checkout (POST /events with type checkout_started or checkout_updated, or Shopify\'s checkouts webhooks)\n',
    });
  }, 30_000);

  it('warns of an empty coupon pool before it launches, and not when it refuses the launch', async () => {
    await saveLowClv('no-codes', 'No codes');
    const warning =
      'warning: coupon set "no-codes" has no code available: every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with `boomerang coupons generate no-codes --count N` (or stop the campaign)';
    // Warned before the launch asks Temporal, which is out of reach.
    const launched = await runCli(database.url, ['campaign', 'launch', 'no-codes']);
    expect(launched.stderr.split('\n')[0]).toBe(warning);
    expect(launched.code).not.toBe(0);

    await setCampaignStatus(database.db, 'no-codes', 'paused');
    expect(await runCli(database.url, ['campaign', 'launch', 'no-codes'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'boomerang: campaign "no-codes" is paused; resume it first with `boomerang campaign resume no-codes`\n',
    });
  }, 30_000);

  it('counts one journey in the singular: launched, and told to end', async () => {
    await saveLowClv('one-offer', 'One offer');
    const progress = (started: number) => ({
      campaignId: 'one-offer',
      total: 2,
      scanned: 2,
      started,
      alreadyEnrolled: 2 - started,
      cursor: 2,
      done: true,
    });
    const launch = vi.spyOn(BoomerangClient.prototype, 'launchCampaign');
    const stop = vi.spyOn(BoomerangClient.prototype, 'stopCampaign');
    try {
      const launched = async (started: number) => {
        launch.mockResolvedValueOnce({
          workflowId: 'launch/one-offer',
          url: 'http://ui/launch',
          alreadyRunning: false,
          progress: progress(started),
        });
        const run = await runCli(database.url, ['campaign', 'launch', 'one-offer']);
        expect(run.code).toBe(0);
        return run.stdout.split('\n')[0];
      };
      expect(await launched(1)).toBe(
        'launched "one-offer": 2/2 contacts scanned, 1 journey started, 1 already enrolled',
      );
      expect(await launched(2)).toBe(
        'launched "one-offer": 2/2 contacts scanned, 2 journeys started, 0 already enrolled',
      );

      stop.mockResolvedValueOnce({ stopped: 1, settled: { running: 0, failed: 1, completed: 0 } });
      expect((await runCli(database.url, ['campaign', 'stop', 'one-offer'])).stdout).toBe(
        'campaign "one-offer" is stopped; 1 running journey told to end\n' +
          '1 journey had failed and 0 had ended without being recorded: now recorded\n',
      );
    } finally {
      launch.mockRestore();
      stop.mockRestore();
    }
  });
});
