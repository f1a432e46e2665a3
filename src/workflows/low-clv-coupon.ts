/**
 * Reactivate low-CLV customers with a coupon (Connectif, connectif-low-clv-coupon):
 *   Start → Is in segment "Customers to reengage"? —no→ end
 *     —yes→ Assign coupon → Send email → Wait 7 days → Is in segment? —no→ end
 *     —yes→ Has purchased > 0 times in the last 7 days? —yes→ end
 *     —no→ Send email (the reminder, same coupon)
 * Templates, waits and the coupon set are read from the definition when the journey reaches them,
 * so an update adopted mid-journey applies from the next node on.
 */
import type { LowClvCouponCampaign } from '../campaigns/kinds/low-clv-coupon/definition.js';
import { lowClvCouponSteps } from '../campaigns/kinds/low-clv-coupon/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function lowClvCouponJourney(
  input: JourneyInput<LowClvCouponCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, lowClvCouponSteps, async (journey, steps) => {
    const { segment } = journey.campaign;
    await journey.enter(steps.isInSegment);
    if (!(await journey.isInSegment(segment))) return 'not_in_segment';

    const coupon = await journey.assignCoupon(steps.assignCoupon, (c) => ({
      couponSet: c.couponSet,
      validFor: c.couponValidity,
    }));
    await journey.sendEmail(steps.sendOffer, (c) => c.emails.offer, coupon);

    if (await journey.waitUnlessPurchase(steps.wait, (c) => c.waits.beforeReminder))
      return 'purchased';

    await journey.enter(steps.stillInSegment);
    if (!(await journey.isInSegment(segment))) return 'left_segment';

    if (await journey.hasPurchased(steps.hasPurchased, (c) => c.purchaseLookback))
      return 'purchased';

    await journey.sendEmail(steps.sendReminder, (c) => c.emails.reminder, coupon);
    return 'completed';
  });
}
