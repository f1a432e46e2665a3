/** `boomerang campaign create` refuses an existing id; `campaign update` saves versions and guards running journeys. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignVersions, getCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertContact } from '../support/orders.js';
import { insertJourneyRow } from '../support/campaigns.js';
import { runCli } from './support.js';

describe('boomerang campaign create / update', () => {
  let database: TestDatabase;
  let dir: string;
  const definition = {
    id: 'welcome',
    name: 'Welcome',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
  };
  const file = async (name: string, content: unknown) => {
    const p = path.join(dir, name);
    await fs.writeFile(p, JSON.stringify(content));
    return p;
  };
  const updateWelcome = (file: string, ...options: string[]) =>
    runCli(database.url, ['campaign', 'update', 'welcome', '--file', file, ...options]);

  beforeAll(async () => {
    database = await createTestDatabase();
    // campaign create and update refuse a coupon set that does not exist.
    await generateCoupons(database.db, 'welcome', 5);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-campaign-'));
  });
  afterAll(async () => {
    await database?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates version 1, and refuses to create the same id again, pointing at update', async () => {
    const v1 = await file('v1.json', definition);
    // The file as an argument (as validate takes it) or with --file: the same campaign.
    const created = await runCli(database.url, ['campaign', 'create', v1]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('created campaign "welcome"');

    const again = await runCli(database.url, ['campaign', 'create', '--file', v1]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('campaign "welcome" already exists');
    expect(again.stderr).toContain('boomerang campaign update welcome --file FILE');
    expect((await getCampaign(database.db, 'welcome')).version).toBe(1);
  });

  it('saves an update as version 2, kept by running journeys unless they adopt it', async () => {
    const v2 = await file('v2.json', { ...definition, emails: { voucher: 'low-clv-offer' } });
    const updated = await updateWelcome(v2);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('is now version 2 (was 1); changed: emails.voucher');
    expect(updated.stdout).toContain('0 running journeys keep the version they run');
    const stored = await getCampaign(database.db, 'welcome');
    expect(stored.version).toBe(2);
    expect(stored.definition.kind === 'welcome_voucher' && stored.definition.emails.voucher).toBe(
      'low-clv-offer',
    );
    expect((await campaignVersions(database.db, 'welcome')).map((v) => v.version)).toEqual([1, 2]);

    const same = await updateWelcome(v2);
    expect(same.stdout).toContain('nothing changed; it stays at version 2');
  });

  it('refuses an update running journeys cannot take, naming the field and the reason', async () => {
    const contactId = await insertContact(database.db, 'ada@example.com');
    await insertJourneyRow(database.db, 'welcome', contactId, { definition_version: 2 });
    // A control group added: a change running journeys cannot adopt.
    const withHoldout = (voucher: string) => ({
      ...definition,
      emails: { voucher },
      holdoutPercent: 10,
    });
    const unsafe = await file('v3.json', withHoldout('low-clv-offer'));
    const refused = await updateWelcome(unsafe, '--running', 'adopt');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holdoutPercent: the control group');
    expect(refused.stderr).toContain('--running keep');
    expect((await getCampaign(database.db, 'welcome')).version).toBe(2);

    // Kept by the running journey, the same change is saved; a later template change cannot be
    // adopted either, since the journey still runs version 2, which the holdout change left behind.
    const kept = await updateWelcome(unsafe);
    expect(kept.code).toBe(0);
    const template = await file('v4.json', withHoldout('welcome-offer'));
    const older = await updateWelcome(template, '--running', 'adopt');
    expect(older.code).toBe(2);
    expect(older.stderr).toContain('on version 2 cannot take this update');
  });

  it('rejects a bad choice, another id, and a change of kind with a clear message', async () => {
    const v = await file('ok.json', definition);
    const bad = await updateWelcome(v, '--running', 'later');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--running: must be "keep" or "adopt"');

    const other = await file('other.json', { ...definition, id: 'welcome-2' });
    const mismatch = await updateWelcome(other);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('id: the file defines campaign "welcome-2", not "welcome"');

    const kind = await file('kind.json', { ...definition, kind: 'inactive_reactivation' });
    const kindChange = await updateWelcome(kind);
    expect(kindChange.code).toBe(2);
    expect(kindChange.stderr).toContain('kind never changes');

    const unknown = await runCli(database.url, ['campaign', 'update', 'nope', '--file', v]);
    expect(unknown.code).toBe(2);
  });

  it('takes the definition file once, as an argument or with --file, and asks for it when missing', async () => {
    const missing = await runCli(database.url, ['campaign', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'a definition file is required: boomerang campaign create FILE (.json, .yaml)',
    );
    const v = await file('two.json', definition);
    const two = await runCli(database.url, [
      'campaign',
      'update',
      'welcome',
      v,
      '--file',
      'other.json',
    ]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain(`two definition files given (${v} and --file other.json)`);
    const before = (await getCampaign(database.db, 'welcome')).version;
    const renamed = await file('renamed.json', { ...definition, name: 'Welcome aboard' });
    const updated = await runCli(database.url, ['campaign', 'update', 'welcome', renamed]);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain(`is now version ${before + 1} (was ${before})`);
    expect((await getCampaign(database.db, 'welcome')).definition.name).toBe('Welcome aboard');
  });
});
