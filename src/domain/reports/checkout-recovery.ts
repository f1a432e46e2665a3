/**
 * Recovered checkouts: the results of a flow that runs a journey per checkout. Pure; the report
 * feeds it rows from Postgres (src/db/checkout-results.ts).
 *
 * The rule (the same for treated and held-out journeys):
 *  - A checkout is *completed* by the first paid order naming it (within its source).
 *  - It is *recovered* when its journey sent at least one message before that order. A held-out
 *    journey sends nothing: its messages are the ones withheld from it, at the moment the journey
 *    reached them — when a treated journey in the same place sent. An order before the first
 *    message completes the checkout without recovering it, in both groups alike.
 *  - Recovered revenue: the totals of recovering orders in the shop's currency; orders in other
 *    currencies count as recovered and are reported apart, never added.
 *  - Per send node, last touch: a recovered checkout is credited to the last message its journey
 *    sent before the order (the message the shopper acted on; the earlier ones brought them to it).
 *    A node's recovery rate is its credited checkouts over the journeys that got its message, so the
 *    nodes' credited checkouts add up to the flow's recovered ones. Both groups reach each node on
 *    the same clock (the flow's waits), so a node's treated and held-out rates compare the shoppers
 *    still undecided at that point.
 *  - Uplift (treated − held out): recovery rate with Newcombe's hybrid score interval, recovered
 *    revenue per checkout with Welch's, as the campaign's purchase uplift.
 */
import {
  summarize,
  welchDifferenceInterval,
  wilsonInterval,
  newcombeDifferenceInterval,
} from './statistics.js';
import {
  CONVERSION_UPLIFT_METHOD,
  noHeldOutReason,
  REVENUE_UPLIFT_METHOD,
  uplift,
  type UpliftEstimate,
} from './uplift.js';

export const CHECKOUT_RECOVERY_RULE = [
  'A checkout is recovered when the paid order that completes it (it names the checkout) comes after its journey sent at least one message.',
  'Held-out journeys send nothing: their messages are those withheld from them, when the journey reached them; an order before the first message recovers nothing in either group.',
  'Per send node, last touch: a recovered checkout counts for the last message sent before its order; a node’s rate is its recovered checkouts over the journeys it sent to.',
  'Uplift: treated − held out; recovery rate with a Newcombe hybrid score 95% interval, recovered revenue per checkout with a Welch 95% interval.',
];

export interface CheckoutJourneyFacts {
  workflowId: string;
  holdout: boolean;
  /** The first paid order naming the checkout; null while none has. */
  order: { id: number; placedAt: Date; total: number; currency: string } | null;
  /** Messages sent (held out: withheld), each with its send node. */
  touches: readonly { node: string; channel: string; at: Date }[];
}

export interface CheckoutRecovery {
  workflowId: string;
  holdout: boolean;
  completed: boolean;
  recovered: boolean;
  /** The node of the last message before the order; null when not recovered. */
  creditedNode: string | null;
  /** The recovering order's total in the shop's currency (0 otherwise). */
  revenue: number;
  inOtherCurrency: boolean;
}

/** What became of one journey's checkout. */
export function recoveryOf(j: CheckoutJourneyFacts, currency: string): CheckoutRecovery {
  const order = j.order;
  const before = order ? j.touches.filter((t) => t.at.getTime() < order.placedAt.getTime()) : [];
  const last = before.reduce<(typeof before)[number] | undefined>(
    (latest, t) => (!latest || t.at.getTime() >= latest.at.getTime() ? t : latest),
    undefined,
  );
  const recovered = order !== null && last !== undefined;
  return {
    workflowId: j.workflowId,
    holdout: j.holdout,
    completed: order !== null,
    recovered,
    creditedNode: recovered ? last!.node : null,
    revenue: recovered && order!.currency === currency ? Math.round(order!.total * 100) / 100 : 0,
    inOtherCurrency: recovered && order!.currency !== currency,
  };
}

export interface RecoveryGroup {
  /** Checkouts (one journey each) in the group: entered the flow, or, per node, got its message. */
  checkouts: number;
  /** Completed by an order, before or after a message. */
  completed: number;
  recovered: number;
  /** recovered / checkouts; null for an empty group. */
  recoveryRate: number | null;
  /** Wilson 95% interval of the recovery rate; null for an empty group. */
  recoveryRateInterval: { low: number; high: number } | null;
  recoveredRevenue: number;
  /** recoveredRevenue / checkouts; null for an empty group. */
  revenuePerCheckout: number | null;
  recoveredInOtherCurrencies: number;
}

export interface RecoveryComparison {
  treated: RecoveryGroup;
  heldOut: RecoveryGroup;
  /** Treated recovery rate − held-out recovery rate (absolute). */
  recoveryRateUplift: UpliftEstimate;
  /** Treated recovered revenue per checkout − held-out, in the shop's currency. */
  revenuePerCheckoutUplift: UpliftEstimate;
}

export interface SendNodeRecovery extends RecoveryComparison {
  node: string;
  channel: string;
}

export interface CheckoutRecoveryResults extends RecoveryComparison {
  rule: string[];
  all: RecoveryGroup;
  /** The flow's send nodes in order, then any other step that sent. */
  bySendNode: SendNodeRecovery[];
}

/**
 * Figures of a group; `credited`, when given, counts a checkout as recovered only when credited
 * to that node (a node's figures).
 */
function group(of: readonly CheckoutRecovery[], level: number, credited?: string): RecoveryGroup {
  const recovers = (r: CheckoutRecovery) =>
    r.recovered && (credited === undefined || r.creditedNode === credited);
  const n = of.length;
  const recovered = of.filter(recovers).length;
  const cents = of.filter(recovers).reduce((sum, r) => sum + Math.round(r.revenue * 100), 0);
  const interval = n > 0 ? wilsonInterval(recovered, n, level) : null;
  return {
    checkouts: n,
    completed: of.filter((r) => r.completed).length,
    recovered,
    recoveryRate: n > 0 ? recovered / n : null,
    recoveryRateInterval: interval ? { low: interval.low, high: interval.high } : null,
    recoveredRevenue: cents / 100,
    revenuePerCheckout: n > 0 ? cents / 100 / n : null,
    recoveredInOtherCurrencies: of.filter((r) => recovers(r) && r.inOtherCurrency).length,
  };
}

function compare(
  of: readonly CheckoutRecovery[],
  level: number,
  noHeldOut: string,
  credited?: string,
): RecoveryComparison {
  const treatedOf = of.filter((r) => !r.holdout);
  const heldOutOf = of.filter((r) => r.holdout);
  const treated = group(treatedOf, level, credited);
  const heldOut = group(heldOutOf, level, credited);
  const sizes = (g: RecoveryGroup) => ({ journeys: g.checkouts });
  const revenues = (rs: readonly CheckoutRecovery[]) =>
    rs.map((r) => (credited === undefined || r.creditedNode === credited ? r.revenue : 0));
  return {
    treated,
    heldOut,
    recoveryRateUplift: uplift(
      sizes(treated),
      sizes(heldOut),
      1,
      level,
      CONVERSION_UPLIFT_METHOD,
      () =>
        newcombeDifferenceInterval(
          treated.recovered,
          treated.checkouts,
          heldOut.recovered,
          heldOut.checkouts,
          level,
        ),
      noHeldOut,
    ),
    revenuePerCheckoutUplift: uplift(
      sizes(treated),
      sizes(heldOut),
      2,
      level,
      REVENUE_UPLIFT_METHOD,
      () =>
        welchDifferenceInterval(
          summarize(revenues(treatedOf)),
          summarize(revenues(heldOutOf)),
          level,
        ),
      noHeldOut,
    ),
  };
}

/**
 * The flow's recovery figures: every checkout, treated against held out, and per send node
 * (`nodes`: the flow's send nodes in order with their channel). `noHeldOut` says why there is no
 * held-out checkout to compare with (see `noHeldOutReason`).
 */
export function checkoutRecoveryResults(
  journeys: readonly CheckoutJourneyFacts[],
  nodes: readonly { node: string; channel: string }[],
  currency: string,
  level = 0.95,
  noHeldOut = noHeldOutReason(),
): CheckoutRecoveryResults {
  const recoveries = journeys.map((j) => recoveryOf(j, currency));
  const touched = journeys.flatMap((j) => j.touches);
  const known = new Set(nodes.map((n) => n.node));
  const others = [...new Set(touched.map((t) => t.node))]
    .filter((node) => !known.has(node))
    .sort()
    .map((node) => ({ node, channel: touched.find((t) => t.node === node)!.channel }));
  const byId = new Map(recoveries.map((r) => [r.workflowId, r]));
  const bySendNode = [...nodes, ...others].map(({ node, channel }) => {
    const reached = journeys
      .filter((j) => j.touches.some((t) => t.node === node))
      .map((j) => byId.get(j.workflowId)!);
    return { node, channel, ...compare(reached, level, noHeldOut, node) };
  });
  return {
    rule: CHECKOUT_RECOVERY_RULE,
    all: group(recoveries, level),
    ...compare(recoveries, level, noHeldOut),
    bySendNode,
  };
}
