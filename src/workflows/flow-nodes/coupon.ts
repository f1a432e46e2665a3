/** Coupon: assigns one from a set; a send node names this node to put the code in its message. */
import type { NodeFunction } from './run.js';

export const couponNode: NodeFunction = async (run, id) => {
  const coupon = await run.journey.assignCoupon(run.step(id), () => {
    const node = run.node(id, 'coupon');
    return { couponSet: node.couponSet, validFor: node.validFor };
  });
  run.coupons.set(id, coupon);
  return { next: run.node(id, 'coupon').next };
};
