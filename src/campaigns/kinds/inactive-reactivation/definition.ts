/** The inactive-customer reactivation campaign's settings (Connectif, connectif-inactive-reactivation). */
import { z } from 'zod';
import { audience, campaignSchema, defaulted, durationText, slug, templateRef } from '../common.js';

export const inactiveReactivationSchema = campaignSchema('inactive_reactivation', {
  audience: audience.prefault({ source: 'existing_and_new' }),
  /** The journey starts when a contact enters this segment (detected by the daily recompute). */
  segment: z.string().min(1).default("Can't lose them"),
  couponSet: slug,
  couponValidity: durationText.optional(),
  waits: defaulted({ beforeCoupon: durationText.default('8 hours') }),
  purchaseLookback: durationText.default('8 hours'),
  emails: defaulted({ coupon: templateRef.default('reactivation-coupon') }),
});

export type InactiveReactivationCampaign = z.infer<typeof inactiveReactivationSchema>;
