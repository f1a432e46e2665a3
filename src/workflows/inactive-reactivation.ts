/**
 * Inactive-customer reactivation coupon (Connectif, connectif-inactive-reactivation):
 *   On entry into segment "Can't lose them" (daily recompute) → Wait 8 hours
 *     → Has purchased > 0 times in the last 8 hours? —yes→ end
 *     —no→ Assign coupon → Send email
 */
import type { InactiveReactivationCampaign } from '../campaigns/kinds/inactive-reactivation/definition.js';
import { inactiveReactivationSteps } from '../campaigns/kinds/inactive-reactivation/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function inactiveReactivationJourney(
  input: JourneyInput<InactiveReactivationCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, inactiveReactivationSteps, async (journey, steps) => {
    if (await journey.waitUnlessPurchase(steps.wait, (c) => c.waits.beforeCoupon))
      return 'purchased';
    if (await journey.hasPurchased(steps.hasPurchased, (c) => c.purchaseLookback))
      return 'purchased';

    const coupon = await journey.assignCoupon(steps.assignCoupon, (c) => ({
      couponSet: c.couponSet,
      validFor: c.couponValidity,
    }));
    await journey.sendEmail(steps.sendCoupon, (c) => c.emails.coupon, coupon);
    return 'completed';
  });
}
