/**
 * A flow has no campaign-wide coupon set: its coupon nodes name theirs. The report shows each of
 * those sets' pools (none for a flow without coupon nodes), never a pool named "undefined".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from '../../src/cli/report.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import type { CampaignsReport } from '../../src/reports/types.js';
import { useTestDatabase } from '../support/db.js';
import { REPORT_CONFIG } from './matchers.js';

const send = (next: string, coupon?: string) => ({
  type: 'send',
  channel: 'email',
  ...(coupon ? { coupon } : {}),
  template: { subject: 'Hi', html: '<p>{{ coupon.code }}</p>' },
  next,
});

describe('coupon pools of flows in the report', () => {
  const database = useTestDatabase();
  let report: CampaignsReport;
  const campaign = (id: string) => report.campaigns.find((c) => c.id === id)!;

  beforeAll(async () => {
    await generateCoupons(database.db, 'cart-codes', 5);
    await saveCampaign(database.db, {
      id: 'cart',
      name: 'Cart',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'coupon' },
        coupon: { type: 'coupon', couponSet: 'cart-codes', next: 'send' },
        send: send('done', 'coupon'),
        done: { type: 'exit', reason: 'completed' },
      },
    });
    await saveCampaign(database.db, {
      id: 'plain',
      name: 'Plain',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'send' },
        send: send('done'),
        done: { type: 'exit', reason: 'completed' },
      },
    });
    report = await buildReport(database.db, REPORT_CONFIG, parseReportOptions({}));
  });

  it("gives a flow its coupon nodes' pools, and the pool the campaigns that use it", () => {
    expect(campaign('cart').couponSet).toBeNull();
    expect(campaign('cart').coupons.pools).toEqual([
      { set: 'cart-codes', pool: expect.objectContaining({ setId: 'cart-codes', available: 5 }) },
    ]);
    expect(campaign('plain').coupons.pools).toEqual([]);
    expect(report.couponPools.find((p) => p.setId === 'cart-codes')?.campaigns).toEqual(['cart']);
  });

  it('prints those pools, and no pool for a flow without coupon nodes', () => {
    const text = formatReport(report);
    expect(text).not.toContain('undefined');
    expect(text).toContain('pool "cart-codes": 5 available');
    expect(text).toMatch(/^coupons: {2}0 assigned, 0 redeemed$/m);
  });
});
