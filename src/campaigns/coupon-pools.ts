/**
 * Coupon pools a launch is about to draw from: an empty one ends every journey that reaches its
 * coupon node with `coupon_pool_exhausted`, sending nothing, so `campaign launch` says so first.
 */
import type { CouponSetStatus } from '../db/coupons.js';

/** The coupon sets a definition draws from: its `couponSet`, or a flow's coupon nodes. */
export function couponSetsOf(definition: Record<string, unknown>): string[] {
  const sets = new Set<string>();
  if (typeof definition.couponSet === 'string') sets.add(definition.couponSet);
  if (definition.kind === 'flow') {
    const nodes = (definition.nodes ?? {}) as Record<
      string,
      { type?: string; couponSet?: unknown }
    >;
    for (const node of Object.values(nodes))
      if (node.type === 'coupon' && typeof node.couponSet === 'string') sets.add(node.couponSet);
  }
  return [...sets];
}

/** One warning per coupon set of the definition that has no code left to assign. */
export function emptyCouponPoolWarnings(
  definition: Record<string, unknown>,
  statuses: readonly CouponSetStatus[],
): string[] {
  return couponSetsOf(definition).flatMap((set) => {
    const status = statuses.find((s) => s.setId === set);
    const available = status?.available ?? 0;
    if (available > 0) return [];
    const why = status?.expiredUnassigned
      ? ` (${status.expiredUnassigned} unassigned code(s) expired)`
      : status?.total
        ? ' (every code is assigned)'
        : '';
    return [
      `warning: coupon set ${JSON.stringify(set)} has no code available${why}: every journey that reaches its coupon node ends with coupon_pool_exhausted and sends nothing. Add codes with \`boomerang coupons generate ${set} --count N\` (or stop the campaign)`,
    ];
  });
}
