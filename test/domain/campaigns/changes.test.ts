import { describe, expect, it } from 'vitest';
import { checkDefinitionUpdate, definitionChanges } from '../../../src/domain/campaigns/changes.js';
import { UnsafeDefinitionChangeError } from '../../../src/domain/campaigns/definition-change.js';
import { parseCampaignDefinition } from '../../../src/domain/campaigns/definition.js';

const base = {
  id: 'welcome',
  name: 'Welcome',
  kind: 'welcome_voucher',
  couponSet: 'welcome',
};
const v1 = parseCampaignDefinition(base);
const edit = (patch: Record<string, unknown>) => parseCampaignDefinition({ ...base, ...patch });

describe('definition changes', () => {
  it('names the changed template, wait and coupon set, each one a running journey can take', () => {
    const v2 = edit({
      couponSet: 'welcome-2',
      emails: { voucher: 'low-clv-offer' },
      waits: { afterVoucher: '3 days' },
    });
    expect(definitionChanges(v1, v2)).toEqual([
      { field: 'couponSet', unsafeBecause: null },
      { field: 'emails.voucher', unsafeBecause: null },
      { field: 'waits.afterVoucher', unsafeBecause: null },
    ]);
    expect(checkDefinitionUpdate(v1, v2, 'adopt')).toHaveLength(3);
  });

  it('refuses, for running journeys, a change of what they already decided, with the reason', () => {
    const v2 = edit({ holdoutPercent: 10, emails: { voucher: 'low-clv-offer' } });
    expect(() => checkDefinitionUpdate(v1, v2, 'adopt')).toThrow(UnsafeDefinitionChangeError);
    expect(() => checkDefinitionUpdate(v1, v2, 'adopt')).toThrow(
      /holdoutPercent: the control group of a running journey was drawn when it started[\s\S]*--running keep/,
    );
    // Kept by running journeys, the same change is fine: only new journeys take it.
    expect(checkDefinitionUpdate(v1, v2, 'keep').map((c) => c.field)).toEqual([
      'emails.voucher',
      'holdoutPercent',
    ]);
  });

  it('never lets a campaign change kind', () => {
    const other = parseCampaignDefinition({ ...base, kind: 'inactive_reactivation' });
    expect(() => checkDefinitionUpdate(v1, other, 'keep')).toThrow(/kind never changes/);
  });

  it('finds no change between a definition and itself', () => {
    expect(definitionChanges(v1, edit({}))).toEqual([]);
  });
});
