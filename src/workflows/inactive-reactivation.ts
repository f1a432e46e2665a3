/**
 * Inactive-customer reactivation coupon (Connectif, connectif-inactive-reactivation):
 *   On entry into segment "Can't lose them" (daily recompute) → Wait 8 hours
 *     → Has purchased > 0 times in the last 8 hours? —yes→ end
 *     —no→ Assign coupon → Send email
 */
import type { InactiveReactivationCampaign } from '../domain/campaigns/definition.js';
import { inactiveReactivationSteps } from '../domain/campaigns/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function inactiveReactivationJourney(
  input: JourneyInput<InactiveReactivationCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, inactiveReactivationSteps, async (journey, steps, campaign) => {
    if (await journey.waitUnlessPurchase(steps.wait, campaign.waits.beforeCoupon))
      return 'purchased';
    if (await journey.hasPurchased(steps.hasPurchased, campaign.purchaseLookback))
      return 'purchased';

    const coupon = await journey.assignCoupon(
      steps.assignCoupon,
      campaign.couponSet,
      campaign.couponValidity,
    );
    await journey.sendEmail(steps.sendCoupon, campaign.emails.coupon, coupon);
    return 'completed';
  });
}
