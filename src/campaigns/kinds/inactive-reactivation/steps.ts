/** The reactivation journey's step catalogue. Workflow code imports it: no zod, no I/O. */
import { assignCoupon, hasPurchased, step, waitForPurchase } from '../steps.js';
import type { InactiveReactivationCampaign } from './definition.js';

export function inactiveReactivationSteps(c: InactiveReactivationCampaign) {
  return {
    wait: waitForPurchase(c.waits.beforeCoupon),
    hasPurchased: hasPurchased(c.purchaseLookback),
    assignCoupon: assignCoupon(c.couponSet),
    sendCoupon: step(
      'send_coupon',
      'email',
      'send reactivation coupon email',
      'Send reactivation coupon email',
    ),
  };
}
