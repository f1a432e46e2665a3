/**
 * A welcome voucher after registration: a journey (src/workflows/welcome-voucher.ts) starts for
 * every contact who registers, sends a welcome offer, then a voucher and its reminders.
 */
import { defineCampaignKind, missingCouponSet } from '../kind.js';
import { welcomeVoucherGraph } from './graph.js';
import { type WelcomeVoucherCampaign, welcomeVoucherSchema } from './definition.js';

export const welcomeVoucher = defineCampaignKind<WelcomeVoucherCampaign>({
  kind: 'welcome_voucher',
  schema: welcomeVoucherSchema,
  workflowType: 'welcomeVoucherJourney',
  trigger: { on: 'event', event: 'account_registered' },
  async checks(c, lookups) {
    // Buyers are added to it: a new name is created on first use, a dynamic segment cannot take them.
    const converted = await lookups.segmentKind(c.convertedSegment);
    return [
      ...(converted === 'dynamic'
        ? [
            `convertedSegment: segment ${JSON.stringify(c.convertedSegment)} is dynamic; buyers can only be added to a static segment (or a new name, created on first use)`,
          ]
        : []),
      ...(await missingCouponSet(c.couponSet, lookups)),
    ];
  },
  graph: welcomeVoucherGraph,
});
