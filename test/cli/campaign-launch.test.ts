/**
 * `boomerang campaign launch` of a campaign whose journeys start on an event, in-process on real
 * Postgres with Temporal out of reach: refused as a usage error (exit 2), saying it cannot be
 * launched and how its journeys start, without a coupon warning and without asking Temporal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../src/config.js';
import { saveCampaign } from '../../src/db/campaigns.js';
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
});
