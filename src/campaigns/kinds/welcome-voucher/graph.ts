/** The report graph of a welcome-voucher campaign: its journey's steps, one under the other. */
import { chain, type CampaignGraph, exit, idOf, nodes, START } from '../graph.js';
import type { WelcomeVoucherCampaign } from './definition.js';
import { welcomeVoucherSteps } from './steps.js';

export function welcomeVoucherGraph(c: WelcomeVoucherCampaign): CampaignGraph {
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
