/**
 * Reactivate low-CLV customers with a coupon (Connectif, connectif-low-clv-coupon):
 *   Start → Is in segment "Customers to reengage"? —no→ end
 *     —yes→ Assign coupon → Send email → Wait 7 days → Is in segment? —no→ end
 *     —yes→ Has purchased > 0 times in the last 7 days? —yes→ end
 *     —no→ Send email (the reminder, same coupon)
 */
import type { LowClvCouponCampaign } from '../domain/campaigns/definition.js';
import { lowClvCouponSteps } from '../domain/campaigns/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function lowClvCouponJourney(
  input: JourneyInput<LowClvCouponCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, lowClvCouponSteps, async (journey, steps, campaign) => {
    await journey.enter(steps.isInSegment);
    if (!(await journey.isInSegment(campaign.segment))) return 'not_in_segment';

    const coupon = await journey.assignCoupon(
      steps.assignCoupon,
      campaign.couponSet,
      campaign.couponValidity,
    );
    await journey.sendEmail(steps.sendOffer, campaign.emails.offer, coupon);

    const purchasedDuringWait = await journey.waitUnlessPurchase(
      steps.wait,
      campaign.waits.beforeReminder,
    );
    if (purchasedDuringWait) return 'purchased';

    await journey.enter(steps.stillInSegment);
    if (!(await journey.isInSegment(campaign.segment))) return 'left_segment';

    if (await journey.hasPurchased(steps.hasPurchased, campaign.purchaseLookback))
      return 'purchased';

    await journey.sendEmail(steps.sendReminder, campaign.emails.reminder, coupon);
    return 'completed';
  });
}
