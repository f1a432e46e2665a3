/** The low-CLV journey's step catalogue. Workflow code imports it: no zod, no I/O. */
import { assignCoupon, hasPurchased, isInSegment, step, waitForPurchase } from '../steps.js';
import type { LowClvCouponCampaign } from './definition.js';

export function lowClvCouponSteps(c: LowClvCouponCampaign) {
  return {
    isInSegment: isInSegment(c.segment),
    assignCoupon: assignCoupon(c.couponSet),
    sendOffer: step('send_offer', 'email', 'send coupon email', 'Send coupon email'),
    wait: waitForPurchase(c.waits.beforeReminder),
    stillInSegment: step(
      'still_in_segment',
      'decision',
      `still in segment "${c.segment}"?`,
      `Still in segment "${c.segment}"?`,
    ),
    hasPurchased: hasPurchased(c.purchaseLookback),
    sendReminder: step(
      'send_reminder',
      'email',
      'send reminder email (same coupon)',
      'Send reminder email (same coupon)',
    ),
  };
}
