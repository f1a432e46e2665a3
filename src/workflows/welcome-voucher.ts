/**
 * Welcome voucher after account registration (CareCloud, carecloud-welcome-voucher):
 *   "New Account Registered" → Send email (initial offer) → Wait 2 days
 *     → Purchased? —yes→ Add customer into segment → end
 *     —no→ Waiting for time range → Assign campaign voucher (expires in a few days) + send it by email
 *     → Wait 5 days → Purchased? —yes→ end
 *     —no→ Voucher reminder email, and the same by SMS when the contact has a phone number
 */
import type { WelcomeVoucherCampaign } from '../campaigns/kinds/welcome-voucher/definition.js';
import {
  welcomeContactWindow,
  welcomeVoucherSteps,
} from '../campaigns/kinds/welcome-voucher/steps.js';
import type { JourneyInput, JourneyResult } from '../campaigns/journey-contract.js';
import { runJourney } from './journey.js';

export async function welcomeVoucherJourney(
  input: JourneyInput<WelcomeVoucherCampaign>,
): Promise<JourneyResult> {
  return runJourney(input, welcomeVoucherSteps, async (journey, steps) => {
    await journey.sendEmail(steps.sendWelcome, (c) => c.emails.welcome);

    const purchasedEarly =
      (await journey.waitUnlessPurchase(steps.waitAfterWelcome, (c) => c.waits.afterWelcome)) ||
      (await journey.hasPurchased(steps.purchasedAfterWelcome, (c) => c.waits.afterWelcome));
    if (purchasedEarly) {
      await journey.addToSegment(steps.addToSegment, journey.campaign.convertedSegment);
      return 'purchased';
    }

    await journey.waitForContactWindow(steps.waitForWindow, welcomeContactWindow(journey.campaign));
    const voucher = await journey.assignCoupon(steps.assignVoucher, (c) => ({
      couponSet: c.couponSet,
      validFor: c.voucherValidity,
    }));
    await journey.sendEmail(steps.sendVoucher, (c) => c.emails.voucher, voucher);

    const purchasedLater =
      (await journey.waitUnlessPurchase(steps.waitAfterVoucher, (c) => c.waits.afterVoucher)) ||
      (await journey.hasPurchased(steps.purchasedAfterVoucher, (c) => c.waits.afterVoucher));
    if (purchasedLater) return 'purchased';

    await journey.sendEmail(steps.sendReminder, (c) => c.emails.reminder, voucher);
    await journey.sendSms(steps.sendReminderSms, (c) => c.sms.reminder, voucher);
    return 'completed';
  });
}
