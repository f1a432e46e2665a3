import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/db/contacts.js';
import { useTestDatabase } from '../support/db.js';
import { runCli } from './support.js';

describe('boomerang segment', () => {
  const database = useTestDatabase();
  /** `segment create|update NAME --definition JSON`, the JSON as given (it may be malformed). */
  const segmentWithDefinition = (
    command: 'create' | 'update',
    name: string,
    json: string,
    ...options: string[]
  ) => runCli(database.url, ['segment', command, name, '--definition', json, ...options]);
  let dir: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-segment-'));
    for (const [key, input] of Object.entries({
      ada: {
        externalId: 'S1',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        country: 'ES',
        tags: ['vip'],
        newsletterStatus: 'subscribed' as const,
      },
      grace: {
        externalId: 'S2',
        email: 'grace@example.com',
        country: 'US',
        tags: ['vip'],
        newsletterStatus: 'unsubscribed' as const,
      },
      alan: {
        externalId: 'S3',
        email: 'alan@example.com',
        country: 'GB',
        newsletterStatus: 'subscribed' as const,
      },
      hedy: {
        externalId: 'S4',
        email: 'hedy@example.com',
        country: 'AT',
        tags: ['vip'],
        newsletterStatus: 'subscribed' as const,
      },
    })) {
      ids[key] = (await upsertContact(database.db, input)).contact.id;
    }
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const vipSubscribers = {
    match: 'all',
    conditions: [
      { field: 'tags', op: 'contains', value: 'vip' },
      { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
    ],
  };

  it('create --file, then show, count and members (human and --json)', async () => {
    const file = path.join(dir, 'vip.json');
    await fs.writeFile(file, JSON.stringify(vipSubscribers));
    const created = await runCli(database.url, [
      'segment',
      'create',
      'VIP subscribers',
      '--file',
      file,
      '--description',
      'our best',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(
      'created segment "VIP subscribers": tags contains "vip" AND newsletter_status = "subscribed"',
    );

    const count = await runCli(database.url, ['segment', 'count', 'VIP subscribers']);
    expect(count).toMatchObject({ code: 0, stdout: '2\n' });
    const countJson = await runCli(database.url, ['segment', 'count', 'VIP subscribers', '--json']);
    expect(JSON.parse(countJson.stdout)).toEqual({ segment: 'VIP subscribers', count: 2 });

    const show = await runCli(database.url, ['segment', 'show', 'VIP subscribers']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/name: +VIP subscribers\n/);
    expect(show.stdout).toMatch(/description: our best/);
    expect(show.stdout).toMatch(/contacts: +2/);
    const showJson = JSON.parse(
      (await runCli(database.url, ['segment', 'show', 'VIP subscribers', '--json'])).stdout,
    );
    expect(showJson).toMatchObject({
      name: 'VIP subscribers',
      kind: 'dynamic',
      preset: false,
      count: 2,
      definition: vipSubscribers,
    });

    const members = await runCli(database.url, ['segment', 'members', 'VIP subscribers']);
    expect(members.code).toBe(0);
    const lines = members.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +EXTERNAL ID +EMAIL +NAME +COUNTRY +NEWSLETTER$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[2])).toEqual([
      'ada@example.com',
      'hedy@example.com',
    ]);
    expect(members.stdout).toContain('Ada Lovelace');

    const page = JSON.parse(
      (
        await runCli(database.url, [
          'segment',
          'members',
          'VIP subscribers',
          '--limit',
          '1',
          '--offset',
          '1',
          '--json',
        ])
      ).stdout,
    );
    expect(page).toHaveLength(1);
    expect(page[0]).toMatchObject({ id: ids.hedy, externalId: 'S4', email: 'hedy@example.com' });
  });

  it('create --definition, list with the presets, update', async () => {
    const created = await segmentWithDefinition(
      'create',
      'Outside Europe',
      JSON.stringify({ conditions: [{ field: 'country', op: 'in', value: ['us'] }] }),
      '--json',
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'Outside Europe',
      definition: { match: 'all', conditions: [{ field: 'country', op: 'in', value: ['US'] }] },
    });

    const list = await runCli(database.url, ['segment', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +KIND +DEFINITION/);
    expect(list.stdout).toMatch(
      /Customers to reengage +dynamic, preset +newsletter_status = "subscribed" AND clv_12m < 100 AND forecast_purchases_12m < 1/,
    );
    expect(list.stdout).toMatch(/Can't lose them +dynamic, preset/);
    expect(list.stdout).toMatch(/Outside Europe +dynamic +country in \["US"\]/);
    const listJson = JSON.parse(
      (await runCli(database.url, ['segment', 'list', '--json'])).stdout,
    ) as { name: string }[];
    expect(listJson.map((s) => s.name)).toEqual([
      "Can't lose them",
      'Customers to reengage',
      'Outside Europe',
      'VIP subscribers',
    ]);

    const updated = await segmentWithDefinition(
      'update',
      'Outside Europe',
      JSON.stringify({ conditions: [{ field: 'country', op: 'in', value: ['US', 'GB'] }] }),
    );
    expect(updated.code).toBe(0);
    expect((await runCli(database.url, ['segment', 'count', 'Outside Europe'])).stdout).toBe('2\n');
  });

  it('says what to do: unknown segment lists the known names', async () => {
    const run = await runCli(database.url, ['segment', 'count', 'VIPs']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /unknown segment "VIPs"; known segments: "Can't lose them", "Customers to reengage", .*"VIP subscribers"/,
    );
    expect(run.stderr).toMatch(/boomerang segment create "VIPs" --file def.json/);
    expect(run.stdout).toBe('');
  });

  it('rejects bad definitions with the path, bad JSON, duplicates and missing options', async () => {
    const bad = await segmentWithDefinition(
      'create',
      'Bad',
      JSON.stringify({
        conditions: [vipSubscribers.conditions[0], { field: 'clv', op: 'lt', value: 100 }],
      }),
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /invalid segment definition:\n {2}conditions\[1\]\.field: unknown field "clv"; known fields: newsletter_status/,
    );
    expect(bad.stderr).toMatch(/boomerang segment fields/);

    const json = await segmentWithDefinition('create', 'Bad', '{"conditions": [');
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--definition is not valid JSON/);

    const none = await runCli(database.url, ['segment', 'create', 'Bad']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/a definition is required: --file def.json or --definition/);

    const missingFile = await runCli(database.url, [
      'segment',
      'create',
      'Bad',
      '--file',
      path.join(dir, 'missing.json'),
    ]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/cannot read .*missing\.json/);

    const dup = await segmentWithDefinition(
      'create',
      'VIP subscribers',
      JSON.stringify(vipSubscribers),
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(
      /a segment named "VIP subscribers" already exists; change it with: boomerang segment update "VIP subscribers"/,
    );

    const list = JSON.parse((await runCli(database.url, ['segment', 'list', '--json'])).stdout) as {
      name: string;
    }[];
    expect(list.map((s) => s.name)).not.toContain('Bad');
  });

  it('members refuses a bad --limit', async () => {
    const run = await runCli(database.url, [
      'segment',
      'members',
      'VIP subscribers',
      '--limit',
      '0',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--limit must be a whole number/);
  });

  it('fields lists the catalogue with operators', async () => {
    const run = await runCli(database.url, ['segment', 'fields']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /clv_12m +indicator +number +eq neq lt lte gt gte in not_in exists not_exists/,
    );
    expect(run.stdout).toMatch(/purchases_count +activity +number +eq neq lt lte gt gte/);
    const json = JSON.parse(
      (await runCli(database.url, ['segment', 'fields', '--json'])).stdout,
    ) as { name: string; values?: string[] }[];
    expect(json.find((f) => f.name === 'rfm_segment')?.values).toContain("Can't Lose Them");
  });
});
