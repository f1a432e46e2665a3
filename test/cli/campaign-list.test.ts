/** `boomerang campaign list` on a test database: the hint when there is none, then a table and JSON. */
import { describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { insertJourneyRow } from '../support/campaigns.js';
import { useTestDatabase } from '../support/db.js';
import { insertContact } from '../support/orders.js';
import { runCli } from './support.js';

describe('boomerang campaign list', () => {
  const database = useTestDatabase();

  it('says how to create one when there is none, then lists each with its journeys', async () => {
    const empty = await runCli(database.url, ['campaign', 'list']);
    expect(empty.code).toBe(0);
    expect(empty.stdout.trim()).toBe(
      'no campaigns yet; create one with `boomerang campaign create --file FILE`',
    );
    expect(JSON.parse((await runCli(database.url, ['campaign', 'list', '--json'])).stdout)).toEqual(
      [],
    );

    await saveCampaign(database.db, {
      id: 'welcome',
      name: 'Welcome',
      kind: 'welcome_voucher',
      couponSet: 'w',
    });
    const ended = await insertContact(database.db, 'ended@example.com');
    const running = await insertContact(database.db, 'running@example.com');
    await insertJourneyRow(database.db, 'welcome', ended, { ended_at: new Date() });
    await insertJourneyRow(database.db, 'welcome', running);

    const table = await runCli(database.url, ['campaign', 'list']);
    expect(table.stdout.split('\n').map((line) => line.split(/\s+/).filter(Boolean))).toEqual([
      ['id', 'kind', 'status', 'enrolled', 'running', 'name'],
      expect.any(Array),
      ['welcome', 'welcome_voucher', expect.any(String), '2', '1', 'Welcome'],
      [],
    ]);
    const [listed] = JSON.parse(
      (await runCli(database.url, ['campaign', 'list', '--json'])).stdout,
    );
    expect(listed).toMatchObject({
      id: 'welcome',
      kind: 'welcome_voucher',
      journeys: { enrolled: 2, ended: 1 },
    });
    expect(listed).toHaveProperty('status');
  });

  it('answers an unknown campaign id as a usage error (exit 2), naming the known ones, in every command', async () => {
    for (const args of [
      ['campaign', 'show', 'nope'],
      ['campaign', 'pause', 'nope'],
      ['campaign', 'resume', 'nope'],
      ['report', 'nope'],
      ['experiment', 'show', 'nope'],
    ]) {
      const run = await runCli(database.url, args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('unknown campaign "nope"; known campaigns: welcome');
    }
  });
});
