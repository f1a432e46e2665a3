/**
 * `campaign launch` warns before enrolling a campaign whose coupon pool is empty (every journey
 * reaching its coupon node would end `coupon_pool_exhausted`, sending nothing); the report shows
 * every pool a flow draws from. On real Postgres, with the examples' definitions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { couponSetsOf, launchWarnings } from '../../src/campaigns/coupon-pools.js';
import { parseCampaignDefinition } from '../../src/campaigns/kinds/registry.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { useTestDatabase } from '../support/db.js';

const database = useTestDatabase();
const example = (...parts: string[]): unknown =>
  parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', ...parts), 'utf8'));

describe('empty coupon pools at launch', () => {
  it('names the coupon set of a coded campaign and those of a flow', () => {
    expect(
      couponSetsOf(parseCampaignDefinition(example('campaigns', 'low-clv-coupon.json'))),
    ).toEqual(['low-clv']);
    expect(
      couponSetsOf(parseCampaignDefinition(example('flows', 'offer-experiment.yaml'))),
    ).toEqual(['come-back']);
  });

  it('warns of a set whose codes expired or are all assigned, not of one with codes', async () => {
    const { db } = database;
    await generateCoupons(db, 'low-clv', 2, { expiresAt: new Date(Date.now() - 86_400_000) });
    const { definition } = await createCheckedCampaign(
      db,
      example('campaigns', 'low-clv-coupon.json'),
    );
    expect(await launchWarnings(db, definition)).toEqual([
      'warning: coupon set "low-clv" has no code available (2 unassigned codes expired): every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with `boomerang coupons generate low-clv --count N` (or stop the campaign)',
    ]);

    await generateCoupons(db, 'low-clv', 1);
    expect(await launchWarnings(db, definition)).toEqual([]);
    await db.deleteFrom('coupons').where('expires_at', 'is not', null).execute();
    await db
      .updateTable('coupons')
      .set({ assignment_key: 'someone/assign-coupon', assigned_at: new Date() })
      .where('set_id', '=', 'low-clv')
      .where('expires_at', 'is', null)
      .execute();
    expect((await launchWarnings(db, definition))[0]).toContain('(every code is assigned)');
  });
});
