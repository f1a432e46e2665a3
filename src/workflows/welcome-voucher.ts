/**
 * Welcome voucher after account registration (CareCloud, carecloud-welcome-voucher):
 *   "New Account Registered" → Send email (initial offer) → Wait 2 days
 *     → Purchased? —yes→ Add customer into segment → end
 *     —no→ Waiting for time range → Assign campaign voucher (expires in a few days) + send it by email
 *     → Wait 5 days → Purchased? —yes→ end
 *     —no→ Voucher reminder email, and the same by SMS when the contact has a phone number
 */
import type { WelcomeVoucherCampaign } from '../domain/campaigns/definition.js';
import { welcomeContactWindow, welcomeVoucherSteps } from '../domain/campaigns/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function welcomeVoucherJourney(
  input: JourneyInput<WelcomeVoucherCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, welcomeVoucherSteps, async (journey, steps, campaign) => {
    await journey.sendEmail(steps.sendWelcome, campaign.emails.welcome);

    const purchasedEarly =
      (await journey.waitUnlessPurchase(steps.waitAfterWelcome, campaign.waits.afterWelcome)) ||
      (await journey.hasPurchased(steps.purchasedAfterWelcome, campaign.waits.afterWelcome));
    if (purchasedEarly) {
      await journey.addToSegment(steps.addToSegment, campaign.convertedSegment);
      return 'purchased';
    }

    await journey.waitForContactWindow(steps.waitForWindow, welcomeContactWindow(campaign));
    const voucher = await journey.assignCoupon(
      steps.assignVoucher,
      campaign.couponSet,
      campaign.voucherValidity,
    );
    await journey.sendEmail(steps.sendVoucher, campaign.emails.voucher, voucher);

    const purchasedLater =
      (await journey.waitUnlessPurchase(steps.waitAfterVoucher, campaign.waits.afterVoucher)) ||
      (await journey.hasPurchased(steps.purchasedAfterVoucher, campaign.waits.afterVoucher));
    if (purchasedLater) return 'purchased';

    await journey.sendEmail(steps.sendReminder, campaign.emails.reminder, voucher);
    await journey.sendSms(steps.sendReminderSms, campaign.sms.reminder, voucher);
    return 'completed';
  });
}
