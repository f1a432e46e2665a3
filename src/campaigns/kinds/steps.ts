/**
 * The step catalogue's parts: every node a journey can enter, with the step id it records
 * (journey_events, the BoomerangStep search attribute, message idempotency keys), the label the
 * journey shows as it enters (query, Web UI, activity summaries) and the title of its node on the
 * report graph. Each kind's `steps.ts` builds its catalogue from these; its workflow enters the
 * steps and its graph draws them, so a step is written once.
 *
 * Workflow code imports this module: it stays free of zod and I/O. Labels are part of recorded
 * histories (activity and timer summaries); change one only with a patch in mind.
 */
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

export function step(
  id: string,
  kind: StepKind,
  label: string,
  title: string,
  occurrence = 1,
): Step {
  return { step: id, occurrence, label, title, kind };
}

export const isInSegment = (segment: string) =>
  step('is_in_segment', 'decision', `is in segment "${segment}"?`, `Is in segment "${segment}"?`);

export const assignCoupon = (couponSet: string, title = `Assign coupon from "${couponSet}"`) =>
  step('assign_coupon', 'action', `assign coupon from "${couponSet}"`, title);

export const waitForPurchase = (duration: string, occurrence = 1) =>
  step('wait', 'wait', `wait ${duration}`, `Wait ${duration}: purchased?`, occurrence);

export const hasPurchased = (lookback: string, occurrence = 1) =>
  step(
    'has_purchased',
    'decision',
    `has purchased in the last ${lookback}?`,
    `Purchased in the last ${lookback}?`,
    occurrence,
  );
