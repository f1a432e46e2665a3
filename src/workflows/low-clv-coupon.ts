/**
 * Reactivate low-CLV customers with a coupon (Connectif, connectif-low-clv-coupon):
 *   Start → Is in segment "Customers to reengage"? —no→ end
 *     —yes→ Assign coupon → Send email → Wait 7 days → Is in segment? —no→ end
 *     —yes→ Has purchased > 0 times in the last 7 days? —yes→ end
 *     —no→ Send email (the reminder, same coupon)
 * Templates, waits and the coupon set are read from the definition when the journey reaches them,
 * so an update adopted mid-journey applies from the next node on.
 */
import type { LowClvCouponCampaign } from '../domain/campaigns/definition.js';
import { type JourneyInput, type JourneyResult, runJourney } from './journey.js';

export async function lowClvCouponJourney(
  input: JourneyInput<LowClvCouponCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, async (journey) => {
    const { segment } = journey.campaign;
    await journey.enter('is_in_segment', `is in segment "${segment}"?`);
    if (!(await journey.isInSegment(segment))) return 'not_in_segment';

    const coupon = await journey.assignCoupon((c) => ({
      couponSet: c.couponSet,
      validFor: c.couponValidity,
    }));
    await journey.sendEmail('send_offer', 'send coupon email', (c) => c.emails.offer, coupon);

    if (await journey.waitUnlessPurchase((c) => c.waits.beforeReminder)) return 'purchased';

    await journey.enter('still_in_segment', `still in segment "${segment}"?`);
    if (!(await journey.isInSegment(segment))) return 'left_segment';

    if (await journey.hasPurchased((c) => c.purchaseLookback)) return 'purchased';

    await journey.sendEmail(
      'send_reminder',
      'send reminder email (same coupon)',
      (c) => c.emails.reminder,
      coupon,
    );
    return 'completed';
  });
}
