import { describe, expect, it } from 'vitest';
import {
  CampaignDefinitionError,
  type LowClvCouponCampaign,
  parseCampaignDefinition,
} from '../../../src/domain/campaigns/definition.js';
import { thrownProblems } from '../../support/problems.js';

const problems = (input: unknown) =>
  thrownProblems(CampaignDefinitionError, () => parseCampaignDefinition(input));

describe('campaign definitions', () => {
  it("fills in the seeds' defaults for each kind", () => {
    expect(
      parseCampaignDefinition({ id: 'a', name: 'A', kind: 'low_clv_coupon', couponSet: 'c' }),
    ).toMatchObject({
      audience: { limitation: 'with_email', source: 'existing' },
      segment: 'Customers to reengage',
      waits: { beforeReminder: '7 days' },
      purchaseLookback: '7 days',
      reentry: 'never',
      holdoutPercent: 0,
    });
    expect(
      parseCampaignDefinition({
        id: 'b',
        name: 'B',
        kind: 'inactive_reactivation',
        couponSet: 'c',
      }),
    ).toMatchObject({
      audience: { source: 'existing_and_new' },
      segment: "Can't lose them",
      waits: { beforeCoupon: '8 hours' },
      purchaseLookback: '8 hours',
    });
    expect(
      parseCampaignDefinition({ id: 'c', name: 'C', kind: 'welcome_voucher', couponSet: 'c' }),
    ).toMatchObject({
      voucherValidity: '5 days',
      convertedSegment: 'Welcome converted',
      waits: { afterWelcome: '2 days', afterVoucher: '5 days' },
      sms: { reminder: 'voucher-reminder-sms' },
    });
  });

  it('names each bad field by its path', () => {
    expect(
      problems({
        id: 'Bad Id',
        name: '',
        kind: 'low_clv_coupon',
        waits: { beforeReminder: 'soon' },
        extra: 1,
        spare: 2,
      }),
    ).toEqual([
      expect.stringMatching(/^id: must be lower-case letters/),
      'name: must not be empty',
      'couponSet: is required',
      'waits.beforeReminder: must be a duration such as "7 days" or "8 hours"',
      '(definition): unknown fields "extra", "spare"',
    ]);
    expect(problems({ id: 'x', name: 'x', kind: 'drip' })).toEqual([
      'kind: must be one of low_clv_coupon, inactive_reactivation, welcome_voucher, flow',
    ]);
    const welcomeWithWindow = (contactWindow: unknown) =>
      problems({ id: 'w', name: 'w', kind: 'welcome_voucher', couponSet: 'w', contactWindow });
    expect(welcomeWithWindow({ days: ['mon', 'funday'], from: '09:00', to: '20:00' })).toEqual([
      'contactWindow.days[1]: must be one of mon, tue, wed, thu, fri, sat, sun',
    ]);
    expect(welcomeWithWindow({ days: ['mon'], from: '20:00', to: '09:00' })).toEqual([
      'contactWindow.to: "from" must be before "to"',
    ]);
    expect(
      problems({ id: 'h', name: 'h', kind: 'low_clv_coupon', couponSet: 'c', holdoutPercent: 80 }),
    ).toEqual([expect.stringMatching(/^holdoutPercent: a holdout over 50%/)]);
  });

  it('accepts inline templates and refuses an email template without a subject', () => {
    const inline = parseCampaignDefinition({
      id: 'i',
      name: 'i',
      kind: 'low_clv_coupon',
      couponSet: 'c',
      emails: {
        offer: { subject: 'Hi {{ contact.first_name }}', html: '<p>{{ coupon.code }}</p>' },
      },
    }) as LowClvCouponCampaign;
    expect(inline.emails.offer).toEqual({
      subject: 'Hi {{ contact.first_name }}',
      html: '<p>{{ coupon.code }}</p>',
    });
    expect(
      problems({
        id: 'i',
        name: 'i',
        kind: 'low_clv_coupon',
        couponSet: 'c',
        emails: { offer: { subject: '', html: '<p/>' } },
      })[0],
    ).toMatch(/^emails\.offer/);
  });
});
