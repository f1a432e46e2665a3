/**
 * `campaign create` validates a definition completely, on real Postgres: segments and coupon sets
 * that exist, templates that exist, parse, read no files and render in bounded time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCampaignDefinition } from '../../src/campaigns/check.js';
import { ensureCouponSet } from '../../src/db/coupons.js';
import { CampaignDefinitionError } from '../../src/domain/campaigns/definition.js';
import { runCli } from '../cli/support.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const base = {
  id: 'low-clv-coupon',
  name: 'Low CLV',
  kind: 'low_clv_coupon',
  segment: 'Customers to reengage',
  couponSet: 'low-clv',
};

const inlineEmail = (html: string) => ({
  subject: 'Hello {{ contact.first_name }}',
  html: `${html} <a href="{{ unsubscribe_url }}">unsubscribe</a>`,
});

describe('campaign definitions checked at create', () => {
  let database: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await ensureCouponSet(database.db, { id: 'low-clv' });
    dir = await mkdtemp(path.join(tmpdir(), 'boomerang-check-'));
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const problemsOf = async (definition: unknown): Promise<string[]> => {
    try {
      await checkCampaignDefinition(database.db, definition);
      return [];
    } catch (err) {
      if (err instanceof CampaignDefinitionError) return err.problems;
      throw err;
    }
  };

  it('accepts a definition whose segment (a preset), coupon set and templates exist', async () => {
    expect(await problemsOf(base)).toEqual([]);
    expect(
      await problemsOf({ ...base, emails: { offer: inlineEmail('Hi {{ coupon.code }}') } }),
    ).toEqual([]);
  });

  it('refuses an unknown segment and an unknown coupon set, naming what exists', async () => {
    expect(await problemsOf({ ...base, segment: 'No such', couponSet: 'nope' })).toEqual([
      expect.stringMatching(
        /^segment: no segment named "No such"; known: .*"Customers to reengage"/,
      ),
      expect.stringMatching(
        /^couponSet: no coupon set "nope"; create it with .*\(known: low-clv\)/,
      ),
    ]);
  });

  it.each([
    [
      'an unknown template name',
      'no-such-template',
      /^emails\.offer: no email template named "no-such-template"; known: /,
    ],
    [
      'an unknown filter',
      inlineEmail('{{ x | nosuchfilter }}'),
      /^emails\.offer\.html, line 1, column \d+: undefined filter: nosuchfilter/,
    ],
    ['a broken tag', inlineEmail('{% if %}yes{% endif %}'), /^emails\.offer\.html/],
    [
      'an include',
      inlineEmail("{% include 'secrets' %}"),
      /^emails\.offer\.html: \{% include %\} is not allowed/,
    ],
    [
      'a render of a file',
      inlineEmail("{% render '/etc/passwd' %}"),
      /\{% render %\} is not allowed/,
    ],
    [
      'a 10^16-iteration loop',
      inlineEmail('{% for i in (1..10000000000000000) %}x{% endfor %}'),
      /^emails\.offer: does not render for a sample contact: .*limit/,
    ],
    ['an SMS template as an email', { body: 'hi' }, /^emails\.offer: an email template is/],
  ])('refuses %s', async (_what, offer, expected) => {
    const problems = await problemsOf({ ...base, emails: { offer } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('answers boomerang campaign create with every problem and exit code 2, saving nothing', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        ...base,
        segment: 'Nope',
        emails: { reminder: inlineEmail('{{ x | nosuchfilter }}') },
      }),
    );
    const run = await runCli(database.url, ['campaign', 'create', '--file', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/segment: no segment named "Nope"/);
    expect(run.stderr).toMatch(
      /emails\.reminder\.html, line 1, column \d+: undefined filter: nosuchfilter/,
    );
    expect(await database.db.selectFrom('campaigns').selectAll().execute()).toEqual([]);
  });
});
