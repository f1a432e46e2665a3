/** The welcome voucher campaign's settings (CareCloud, carecloud-welcome-voucher). */
import { z } from 'zod';
import { audience, campaignSchema, defaulted, durationText, slug, templateRef } from '../common.js';

export const welcomeVoucherSchema = campaignSchema('welcome_voucher', {
  audience: audience.prefault({ source: 'existing_and_new' }),
  couponSet: slug,
  /** "Make the voucher expire in a few days to really encourage the customers to make the purchase now." */
  voucherValidity: durationText.default('5 days'),
  /** Contacts who buy after the welcome email are added to this segment. */
  convertedSegment: z.string().min(1).default('Welcome converted'),
  waits: defaulted({
    afterWelcome: durationText.default('2 days'),
    afterVoucher: durationText.default('5 days'),
  }),
  emails: defaulted({
    welcome: templateRef.default('welcome-offer'),
    voucher: templateRef.default('welcome-voucher'),
    reminder: templateRef.default('voucher-reminder'),
  }),
  sms: defaulted({ reminder: templateRef.default('voucher-reminder-sms') }),
});

export type WelcomeVoucherCampaign = z.infer<typeof welcomeVoucherSchema>;
