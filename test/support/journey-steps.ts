/**
 * Every step of a campaign journey that runs to its end, in order (the seed's node lists), written
 * once for the tests that seed journeys or expect their steps.
 */
export const LOW_CLV_STEPS: readonly string[] = [
  'is_in_segment',
  'assign_coupon',
  'send_offer',
  'wait',
  'still_in_segment',
  'has_purchased',
  'send_reminder',
];
export const WELCOME_STEPS: readonly string[] = [
  'send_welcome',
  'wait',
  'has_purchased',
  'wait_for_window',
  'assign_coupon',
  'send_voucher',
  'wait',
  'has_purchased',
  'send_reminder',
  'send_reminder_sms',
];
export const INACTIVE_STEPS: readonly string[] = [
  'wait',
  'has_purchased',
  'assign_coupon',
  'send_coupon',
];

/** A journey's steps up to and including the first `last`: where a journey stops or waits. */
export function through(steps: readonly string[], last: string): string[] {
  const at = steps.indexOf(last);
  if (at < 0) throw new Error(`no step ${last} in ${steps.join(', ')}`);
  return steps.slice(0, at + 1);
}
