/**
 * Welcome voucher after account registration (CareCloud, carecloud-welcome-voucher):
 *   "New Account Registered" → Send email (initial offer) → Wait 2 days
 *     → Purchased? —yes→ Add customer into segment → end
 *     —no→ Waiting for time range → Assign campaign voucher (expires in a few days) + send it by email
 *     → Wait 5 days → Purchased? —yes→ end
 *     —no→ Voucher reminder email, and the same by SMS when the contact has a phone number
 */
import type { WelcomeVoucherCampaign } from '../domain/campaigns/definition.js';
import { DEFAULT_CONTACT_WINDOW } from '../domain/campaigns/defaults.js';
import { type JourneyInput, type JourneyResult, runJourney } from './journey.js';

export async function welcomeVoucherJourney(
  input: JourneyInput<WelcomeVoucherCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, async (journey) => {
    await journey.sendEmail('send_welcome', 'send welcome offer email', (c) => c.emails.welcome);

    const purchasedEarly =
      (await journey.waitUnlessPurchase((c) => c.waits.afterWelcome)) ||
      (await journey.hasPurchased((c) => c.waits.afterWelcome));
    if (purchasedEarly) {
      await journey.addToSegment(journey.campaign.convertedSegment);
      return 'purchased';
    }

    await journey.waitForContactWindow(journey.campaign.contactWindow ?? DEFAULT_CONTACT_WINDOW);
    const voucher = await journey.assignCoupon((c) => ({
      couponSet: c.couponSet,
      validFor: c.voucherValidity,
    }));
    await journey.sendEmail('send_voucher', 'send voucher email', (c) => c.emails.voucher, voucher);

    const purchasedLater =
      (await journey.waitUnlessPurchase((c) => c.waits.afterVoucher)) ||
      (await journey.hasPurchased((c) => c.waits.afterVoucher));
    if (purchasedLater) return 'purchased';

    await journey.sendEmail(
      'send_reminder',
      'send voucher reminder email',
      (c) => c.emails.reminder,
      voucher,
    );
    await journey.sendSms(
      'send_reminder_sms',
      'send voucher reminder SMS (if phone)',
      (c) => c.sms.reminder,
      voucher,
    );
    return 'completed';
  });
}
