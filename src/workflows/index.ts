// Every workflow the worker registers. Workflow code is bundled from here: only deterministic
// code and @temporalio/workflow (plus pure src/domain modules) may be imported below.
export { flowJourney } from './flow.js';
export { greetingWorkflow } from './greeting.js';
export { inactiveReactivationJourney } from './inactive-reactivation.js';
export { launchCampaign } from './launch.js';
export { lowClvCouponJourney } from './low-clv-coupon.js';
export { welcomeVoucherJourney } from './welcome-voucher.js';
export { recomputeIndicators } from './recompute.js';
