/**
 * The step catalogue of each campaign kind: every node a journey can enter, with the step id it
 * records (journey_events, the BoomerangStep search attribute, message idempotency keys), the
 * label the journey shows as it enters (query, Web UI, activity summaries) and the title of its
 * node on the report graph. The workflows enter these steps and `domain/reports/graphs.ts` draws
 * them, so a step is written once.
 *
 * Workflow code imports this module: it stays free of zod and I/O. Labels are part of recorded
 * histories (activity and timer summaries); change one only with a patch in mind.
 */
import type {
  InactiveReactivationCampaign,
  LowClvCouponCampaign,
  WelcomeVoucherCampaign,
} from './definition.js';
import { type ContactWindowSpec, DEFAULT_CONTACT_WINDOW } from './defaults.js';

export type StepKind = 'decision' | 'wait' | 'action' | 'email' | 'sms';

export interface Step {
  /** The step id a journey records; the same id may be entered twice (see `occurrence`). */
  step: string;
  /** Which visit of `step` in one journey this is (1 for the first). */
  occurrence: number;
  /** Shown while the journey is at this step. */
  label: string;
  /** The node's title on the report graph. */
  title: string;
  kind: StepKind;
}

function step(id: string, kind: StepKind, label: string, title: string, occurrence = 1): Step {
  return { step: id, occurrence, label, title, kind };
}

const isInSegment = (segment: string) =>
  step('is_in_segment', 'decision', `is in segment "${segment}"?`, `Is in segment "${segment}"?`);
const assignCoupon = (couponSet: string, title = `Assign coupon from "${couponSet}"`) =>
  step('assign_coupon', 'action', `assign coupon from "${couponSet}"`, title);
const waitForPurchase = (duration: string, occurrence = 1) =>
  step('wait', 'wait', `wait ${duration}`, `Wait ${duration}: purchased?`, occurrence);
const hasPurchased = (lookback: string, occurrence = 1) =>
  step(
    'has_purchased',
    'decision',
    `has purchased in the last ${lookback}?`,
    `Purchased in the last ${lookback}?`,
    occurrence,
  );

export function lowClvCouponSteps(c: LowClvCouponCampaign) {
  return {
    isInSegment: isInSegment(c.segment),
    assignCoupon: assignCoupon(c.couponSet),
    sendOffer: step('send_offer', 'email', 'send coupon email', 'Send coupon email'),
    wait: waitForPurchase(c.waits.beforeReminder),
    stillInSegment: step(
      'still_in_segment',
      'decision',
      `still in segment "${c.segment}"?`,
      `Still in segment "${c.segment}"?`,
    ),
    hasPurchased: hasPurchased(c.purchaseLookback),
    sendReminder: step(
      'send_reminder',
      'email',
      'send reminder email (same coupon)',
      'Send reminder email (same coupon)',
    ),
  };
}

export function inactiveReactivationSteps(c: InactiveReactivationCampaign) {
  return {
    wait: waitForPurchase(c.waits.beforeCoupon),
    hasPurchased: hasPurchased(c.purchaseLookback),
    assignCoupon: assignCoupon(c.couponSet),
    sendCoupon: step(
      'send_coupon',
      'email',
      'send reactivation coupon email',
      'Send reactivation coupon email',
    ),
  };
}

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
