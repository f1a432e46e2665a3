/**
 * A campaign is data: which journey it runs, on which audience, with which segment, coupons,
 * messages, waits, contact window, UTM tags and re-entry policy. Each kind's schema lives in its
 * folder (src/campaigns/kinds/<kind>/definition.ts) and the registry owns the union; this module
 * keeps the names the rest of the code imports. Workflows import its types only.
 */
export { DEFAULT_CONTACT_WINDOW, WEEKDAYS } from './defaults.js';
export {
  campaignSchema,
  type CampaignBase,
  common,
  contactWindowSchema,
  type ContactWindowSpec,
  durationText,
  templateRef,
  type TemplateRef,
} from '../../campaigns/kinds/common.js';
export { lowClvCouponSchema } from '../../campaigns/kinds/low-clv-coupon/definition.js';
export { inactiveReactivationSchema } from '../../campaigns/kinds/inactive-reactivation/definition.js';
export { welcomeVoucherSchema } from '../../campaigns/kinds/welcome-voucher/definition.js';
export {
  CAMPAIGN_KINDS,
  type CampaignDefinition,
  CampaignDefinitionError,
  type CampaignKind,
  type InactiveReactivationCampaign,
  type LowClvCouponCampaign,
  parseCampaignDefinition,
  type WelcomeVoucherCampaign,
} from '../../campaigns/kinds/registry.js';
