/** The welcome journey's step catalogue. Workflow code imports it: no zod, no I/O. */
import {
  type ContactWindowSpec,
  DEFAULT_CONTACT_WINDOW,
} from '../../../domain/campaigns/defaults.js';
import { assignCoupon, hasPurchased, step, waitForPurchase } from '../steps.js';
import type { WelcomeVoucherCampaign } from './definition.js';

/** The welcome journey's contact window: the campaign's own, else every day 09:00–20:00. */
export function welcomeContactWindow(c: WelcomeVoucherCampaign): ContactWindowSpec {
  return c.contactWindow ?? DEFAULT_CONTACT_WINDOW;
}

export function welcomeVoucherSteps(c: WelcomeVoucherCampaign) {
  const window = welcomeContactWindow(c);
  return {
    sendWelcome: step(
      'send_welcome',
      'email',
      'send welcome offer email',
      'Send welcome offer email',
    ),
    waitAfterWelcome: waitForPurchase(c.waits.afterWelcome),
    purchasedAfterWelcome: hasPurchased(c.waits.afterWelcome),
    addToSegment: step(
      'add_to_segment',
      'action',
      `add to segment "${c.convertedSegment}"`,
      `Add to segment "${c.convertedSegment}"`,
    ),
    waitForWindow: step(
      'wait_for_window',
      'wait',
      `wait for contact window (${window.days.join(',')} ${window.from}–${window.to})`,
      'Wait for the contact window',
    ),
    assignVoucher: assignCoupon(
      c.couponSet,
      `Assign voucher from "${c.couponSet}" (valid ${c.voucherValidity})`,
    ),
    sendVoucher: step('send_voucher', 'email', 'send voucher email', 'Send voucher email'),
    waitAfterVoucher: waitForPurchase(c.waits.afterVoucher, 2),
    purchasedAfterVoucher: hasPurchased(c.waits.afterVoucher, 2),
    sendReminder: step(
      'send_reminder',
      'email',
      'send voucher reminder email',
      'Send voucher reminder email',
    ),
    sendReminderSms: step(
      'send_reminder_sms',
      'sms',
      'send voucher reminder SMS (if phone)',
      'Send voucher reminder SMS (if phone)',
    ),
  };
}
