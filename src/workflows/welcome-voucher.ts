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
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function welcomeVoucherJourney(
  input: JourneyInput<WelcomeVoucherCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, async (journey) => {
    const { campaign } = journey;
    await journey.sendEmail('send_welcome', 'send welcome offer email', campaign.emails.welcome);

    const purchasedEarly =
      (await journey.waitUnlessPurchase(
        campaign.waits.afterWelcome,
        `wait ${campaign.waits.afterWelcome}`,
      )) || (await journey.hasPurchased(campaign.waits.afterWelcome));
    if (purchasedEarly) {
      await journey.addToSegment(campaign.convertedSegment);
      return 'purchased';
    }

    await journey.waitForContactWindow(campaign.contactWindow ?? DEFAULT_CONTACT_WINDOW);
    const voucher = await journey.assignCoupon(campaign.couponSet, campaign.voucherValidity);
    await journey.sendEmail('send_voucher', 'send voucher email', campaign.emails.voucher, voucher);

    const purchasedLater =
      (await journey.waitUnlessPurchase(
        campaign.waits.afterVoucher,
        `wait ${campaign.waits.afterVoucher}`,
      )) || (await journey.hasPurchased(campaign.waits.afterVoucher));
    if (purchasedLater) return 'purchased';

    await journey.sendEmail(
      'send_reminder',
      'send voucher reminder email',
      campaign.emails.reminder,
      voucher,
    );
    await journey.sendSms(
      'send_reminder_sms',
      'send voucher reminder SMS (if phone)',
      campaign.sms.reminder,
      voucher,
    );
    return 'completed';
  });
}
