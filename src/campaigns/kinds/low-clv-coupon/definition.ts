/** The low-CLV coupon campaign's settings (Connectif, connectif-low-clv-coupon). */
import { z } from 'zod';
import { campaignSchema, defaulted, durationText, slug, templateRef } from '../common.js';

export const lowClvCouponSchema = campaignSchema('low_clv_coupon', {
  segment: z.string().min(1).default('Customers to reengage'),
  couponSet: slug,
  couponValidity: durationText.optional(),
  waits: defaulted({ beforeReminder: durationText.default('7 days') }),
  /** "Has purchased more than 0 times in the last …" */
  purchaseLookback: durationText.default('7 days'),
  emails: defaulted({
    offer: templateRef.default('low-clv-offer'),
    reminder: templateRef.default('low-clv-reminder'),
  }),
});

export type LowClvCouponCampaign = z.infer<typeof lowClvCouponSchema>;
