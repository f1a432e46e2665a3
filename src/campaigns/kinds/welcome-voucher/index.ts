/**
 * A welcome voucher after registration: a journey (src/workflows/welcome-voucher.ts) starts for
 * every contact who registers, sends a welcome offer, then a voucher and its reminders.
 */
import { chain, type CampaignGraph, exit, idOf, nodes, START } from '../graph.js';
import { defineCampaignKind, missingCouponSet } from '../kind.js';
import { type WelcomeVoucherCampaign, welcomeVoucherSchema } from './definition.js';
import { welcomeVoucherSteps } from './steps.js';

function graph(c: WelcomeVoucherCampaign): CampaignGraph {
  const s = welcomeVoucherSteps(c);
  return {
    kind: c.kind,
    // A purchase after the welcome email branches off beside the column, between its two checks.
    nodes: nodes('New account registered', s, new Map([[s.addToSegment, 2.5]])),
    edges: [
      ...chain(
        START,
        s.sendWelcome,
        s.waitAfterWelcome,
        [s.purchasedAfterWelcome, 'no'],
        [s.waitForWindow, 'no'],
        s.assignVoucher,
        s.sendVoucher,
        s.waitAfterVoucher,
        [s.purchasedAfterVoucher, 'no'],
        [s.sendReminder, 'no'],
        s.sendReminderSms,
      ),
      { from: idOf(s.waitAfterWelcome), to: idOf(s.addToSegment), label: 'yes' },
      { from: idOf(s.purchasedAfterWelcome), to: idOf(s.addToSegment), label: 'yes' },
    ],
    exits: [
      exit(s.addToSegment, 'purchased'),
      exit(s.waitAfterVoucher, 'purchased', 'yes'),
      exit(s.purchasedAfterVoucher, 'purchased', 'yes'),
      exit(s.sendReminderSms, 'completed'),
    ],
  };
}

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
  graph,
});
