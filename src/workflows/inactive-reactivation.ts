/**
 * Inactive-customer reactivation coupon (Connectif, connectif-inactive-reactivation):
 *   On entry into segment "Can't lose them" (daily recompute) → Wait 8 hours
 *     → Has purchased > 0 times in the last 8 hours? —yes→ end
 *     —no→ Assign coupon → Send email
 */
import type { InactiveReactivationCampaign } from '../domain/campaigns/definition.js';
import { type JourneyInput, type JourneyResult, runJourney } from './journey.js';

export async function inactiveReactivationJourney(
  input: JourneyInput<InactiveReactivationCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, async (journey) => {
    if (await journey.waitUnlessPurchase((c) => c.waits.beforeCoupon)) return 'purchased';
    if (await journey.hasPurchased((c) => c.purchaseLookback)) return 'purchased';

    const coupon = await journey.assignCoupon((c) => ({
      couponSet: c.couponSet,
      validFor: c.couponValidity,
    }));
    await journey.sendEmail(
      'send_coupon',
      'send reactivation coupon email',
      (c) => c.emails.coupon,
      coupon,
    );
    return 'completed';
  });
}
