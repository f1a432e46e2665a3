/**
 * The step catalogues of the built-in kinds, under the names the rest of the code imports; each
 * lives in its kind's folder (src/campaigns/kinds/<kind>/steps.ts). Workflow-safe: no zod, no I/O.
 */
export { type Step, type StepKind } from '../../campaigns/kinds/steps.js';
export { lowClvCouponSteps } from '../../campaigns/kinds/low-clv-coupon/steps.js';
export { inactiveReactivationSteps } from '../../campaigns/kinds/inactive-reactivation/steps.js';
export {
  welcomeContactWindow,
  welcomeVoucherSteps,
} from '../../campaigns/kinds/welcome-voucher/steps.js';
