/**
 * Treated vs held-out: each group's conversion rate and revenue per contact, and the uplift of the
 * treated group over the control group with 95% confidence intervals:
 *  - conversion rate: absolute difference (treated − held-out), Newcombe's hybrid score interval;
 *  - revenue per contact: difference of means, Welch's interval.
 * A group too small for a figure gives "not enough data" with the reason, never a number.
 */
import type { JourneyAttribution } from './attribution.js';
import {
  type Interval,
  newcombeDifferenceInterval,
  summarize,
  type WelchInterval,
  welchDifferenceInterval,
  wilsonInterval,
} from './statistics.js';

export const CONVERSION_UPLIFT_METHOD =
  'Newcombe hybrid score interval (method 10, no continuity correction)';
export const REVENUE_UPLIFT_METHOD = 'Welch interval (unequal variances, Welch–Satterthwaite df)';

export interface GroupFigures {
  journeys: number;
  converted: number;
  /** converted / journeys; null for an empty group. */
  conversionRate: number | null;
  /** Wilson 95% interval of the conversion rate; null for an empty group. */
  conversionRateInterval: { low: number; high: number } | null;
  orders: number;
  revenue: number;
  /** revenue / journeys; null for an empty group. */
  revenuePerContact: number | null;
  couponRedemptions: number;
  ordersInOtherCurrencies: number;
  /** Journeys whose attributed orders include the contact's first purchase ever. */
  firstPurchases: number;
  firstPurchaseRevenue: number;
}

export type UpliftEstimate =
  | {
      status: 'ok';
      estimate: number;
      low: number;
      high: number;
      level: number;
      method: string;
      df?: number;
    }
  | { status: 'not_enough_data'; reason: string };

export interface ControlGroupComparison {
  treated: GroupFigures;
  heldOut: GroupFigures;
  /** Treated conversion rate − held-out conversion rate (absolute, e.g. 0.04 = 4 points). */
  conversionRateUplift: UpliftEstimate;
  /** Treated revenue per contact − held-out revenue per contact, in the shop's currency. */
  revenuePerContactUplift: UpliftEstimate;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function summarizeGroup(
  journeys: readonly JourneyAttribution[],
  level = 0.95,
): GroupFigures {
  const n = journeys.length;
  const converted = journeys.filter((j) => j.converted).length;
  const revenueCents = journeys.reduce((sum, j) => sum + Math.round(j.revenue * 100), 0);
  const firstCents = journeys.reduce((sum, j) => sum + Math.round(j.firstPurchaseRevenue * 100), 0);
  const interval = n > 0 ? wilsonInterval(converted, n, level) : null;
  return {
    journeys: n,
    converted,
    conversionRate: n > 0 ? converted / n : null,
    conversionRateInterval: interval ? { low: interval.low, high: interval.high } : null,
    orders: journeys.reduce((sum, j) => sum + j.orders.length, 0),
    revenue: revenueCents / 100,
    revenuePerContact: n > 0 ? revenueCents / 100 / n : null,
    couponRedemptions: journeys.reduce((sum, j) => sum + j.couponRedemptions, 0),
    ordersInOtherCurrencies: journeys.reduce((sum, j) => sum + j.ordersInOtherCurrencies, 0),
    firstPurchases: journeys.filter((j) => j.firstPurchase).length,
    firstPurchaseRevenue: round2(firstCents / 100),
  };
}

/** Why there is no held-out journey to compare with, as the campaign's `holdoutPercent` explains it. */
export function noHeldOutReason(holdoutPercent?: number): string {
  if (holdoutPercent === undefined)
    return 'no held-out journeys: the campaign has no control group (set holdoutPercent) or none enrolled yet';
  return holdoutPercent > 0
    ? `no held-out journeys yet: the campaign holds out ${holdoutPercent}% of its contacts`
    : 'no held-out journeys: the campaign has no control group (set holdoutPercent)';
}

function emptyGroupReason(
  treated: number,
  heldOut: number,
  needed: number,
  noHeldOut: string,
): string | undefined {
  if (heldOut === 0) return noHeldOut;
  if (treated === 0) return 'no treated journeys yet';
  if (heldOut < needed) return `too few held-out journeys (${heldOut}; at least ${needed} needed)`;
  if (treated < needed) return `too few treated journeys (${treated}; at least ${needed} needed)`;
  return undefined;
}

/**
 * One uplift: why the groups cannot give it (fewer than `needed` journeys in one; `noHeldOut` when
 * the held-out group is empty), or the interval `interval` computes (only then: it needs the
 * journeys), with its method and, for Welch's, its df.
 */
export function uplift(
  treated: Pick<GroupFigures, 'journeys'>,
  heldOut: Pick<GroupFigures, 'journeys'>,
  needed: number,
  level: number,
  method: string,
  interval: () => Interval | WelchInterval,
  noHeldOut = noHeldOutReason(),
): UpliftEstimate {
  const reason = emptyGroupReason(treated.journeys, heldOut.journeys, needed, noHeldOut);
  if (reason) return { status: 'not_enough_data', reason };
  const ci = interval();
  return {
    status: 'ok',
    estimate: ci.estimate,
    low: ci.low,
    high: ci.high,
    level,
    method,
    ...('df' in ci ? { df: ci.df } : {}),
  };
}

/** Treated against held out; `noHeldOut` says why when nobody is held out (see `noHeldOutReason`). */
export function compareControlGroups(
  journeys: readonly JourneyAttribution[],
  level = 0.95,
  noHeldOut = noHeldOutReason(),
): ControlGroupComparison {
  const treatedJourneys = journeys.filter((j) => !j.journey.holdout);
  const heldOutJourneys = journeys.filter((j) => j.journey.holdout);
  const treated = summarizeGroup(treatedJourneys, level);
  const heldOut = summarizeGroup(heldOutJourneys, level);

  const conversionRateUplift = uplift(
    treated,
    heldOut,
    1,
    level,
    CONVERSION_UPLIFT_METHOD,
    () =>
      newcombeDifferenceInterval(
        treated.converted,
        treated.journeys,
        heldOut.converted,
        heldOut.journeys,
        level,
      ),
    noHeldOut,
  );
  const revenuePerContactUplift = uplift(
    treated,
    heldOut,
    2,
    level,
    REVENUE_UPLIFT_METHOD,
    () =>
      welchDifferenceInterval(
        summarize(treatedJourneys.map((j) => j.revenue)),
        summarize(heldOutJourneys.map((j) => j.revenue)),
        level,
      ),
    noHeldOut,
  );
  return { treated, heldOut, conversionRateUplift, revenuePerContactUplift };
}
