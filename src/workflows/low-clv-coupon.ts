/**
 * Reactivate low-CLV customers with a coupon (Connectif, connectif-low-clv-coupon):
 *   Start → Is in segment "Customers to reengage"? —no→ end
 *     —yes→ Assign coupon → Send email → Wait 7 days → Is in segment? —no→ end
 *     —yes→ Has purchased > 0 times in the last 7 days? —yes→ end
 *     —no→ Send email (the reminder, same coupon)
 */
import type { LowClvCouponCampaign } from '../domain/campaigns/definition.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function lowClvCouponJourney(
  input: JourneyInput<LowClvCouponCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, async (journey) => {
    const { campaign } = journey;
    await journey.enter('is_in_segment', `is in segment "${campaign.segment}"?`);
    if (!(await journey.isInSegment(campaign.segment))) return 'not_in_segment';

    const coupon = await journey.assignCoupon(campaign.couponSet, campaign.couponValidity);
    await journey.sendEmail('send_offer', 'send coupon email', campaign.emails.offer, coupon);

    const purchasedDuringWait = await journey.waitUnlessPurchase(
      campaign.waits.beforeReminder,
      `wait ${campaign.waits.beforeReminder}`,
    );
    if (purchasedDuringWait) return 'purchased';

    await journey.enter('still_in_segment', `still in segment "${campaign.segment}"?`);
    if (!(await journey.isInSegment(campaign.segment))) return 'left_segment';

    if (await journey.hasPurchased(campaign.purchaseLookback)) return 'purchased';

    await journey.sendEmail(
      'send_reminder',
      'send reminder email (same coupon)',
      campaign.emails.reminder,
      coupon,
    );
    return 'completed';
  });
}
