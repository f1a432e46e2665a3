/**
 * Messages per send node with the providers' feedback, and the campaign's email bounce and
 * complaint rates against thresholds. The defaults follow the published rules:
 * - complaints: Gmail's and Yahoo's bulk-sender rules ask for a spam rate kept under 0.1% and never
 *   reaching 0.3%; the report warns above 0.1%;
 * - bounces: Resend's account guidance asks for a bounce rate under 4% (above it, sending may be
 *   paused); the report warns above 4%.
 * Both rates are per email sent: the outbox never reports deliveries, so sent is the one
 * denominator every provider gives.
 */
import type { CampaignGraph } from '../domain/reports/graphs.js';
import { MESSAGE_NODE_KINDS } from '../domain/reports/graphs.js';
import type { StepEventRow, StepMessageRow } from '../db/reports.js';
import type {
  Deliverability,
  DeliverabilityThresholds,
  DeliverabilityWarning,
  SendNodeMessages,
} from './types.js';

export const DEFAULT_DELIVERABILITY_THRESHOLDS: DeliverabilityThresholds = {
  bounceRate: 0.04,
  complaintRate: 0.001,
};

const percent = (rate: number) => `${Number((rate * 100).toPrecision(3))}%`;

/** The send nodes of the graph in order (first visit of each step), then other steps that sent. */
export function sendNodeMessages(
  graph: CampaignGraph,
  counts: StepMessageRow[],
  events: (StepEventRow & { type: 'skipped' | 'delayed' })[],
): SendNodeMessages[] {
  const nodes = graph.nodes.filter(
    (n) => MESSAGE_NODE_KINDS.has(n.kind) && n.step !== null && n.occurrence === 1,
  );
  const known = new Set(nodes.map((n) => n.step!));
  const others = [...new Set([...counts.map((c) => c.step), ...events.map((e) => e.step)])]
    .filter((step) => !known.has(step) && step !== 'unknown')
    .sort();
  const entries = [
    ...nodes.map((n) => ({ node: n.id, step: n.step!, channel: n.kind, inGraph: true })),
    ...others.map((step) => ({
      node: step,
      step,
      channel:
        counts.find((c) => c.step === step)?.channel ??
        events.find((e) => e.step === step)?.channel ??
        'unknown',
      inGraph: false,
    })),
  ];
  return entries.map((entry) => {
    const rows = counts.filter((c) => c.step === entry.step);
    const sum = (key: keyof Omit<StepMessageRow, 'step' | 'channel'>) =>
      rows.reduce((total, r) => total + r[key], 0);
    const byReason = (type: 'skipped' | 'delayed') =>
      events
        .filter((e) => e.type === type && e.step === entry.step)
        .filter((e) => type === 'delayed' || e.reason !== 'holdout')
        .map((e) => ({ reason: e.reason, count: e.count }));
    return {
      ...entry,
      sent: sum('sent'),
      failed: sum('failed'),
      delivered: sum('delivered'),
      bounced: sum('bounced'),
      softBounced: sum('soft_bounced'),
      complained: sum('complained'),
      opened: sum('opened'),
      clicked: sum('clicked'),
      unsubscribed: sum('unsubscribed'),
      skipped: byReason('skipped'),
      delayed: byReason('delayed'),
    };
  });
}

/** The campaign's email rates, and a warning for each that passes its threshold. */
export function deliverabilityOf(
  counts: StepMessageRow[],
  thresholds: DeliverabilityThresholds,
): Deliverability {
  const email = counts.filter((c) => c.channel === 'email');
  const emailsSent = email.reduce((sum, c) => sum + c.sent, 0);
  const bounced = email.reduce((sum, c) => sum + c.bounced, 0);
  const complained = email.reduce((sum, c) => sum + c.complained, 0);
  const bounceRate = emailsSent ? bounced / emailsSent : null;
  const complaintRate = emailsSent ? complained / emailsSent : null;
  const warnings: DeliverabilityWarning[] = [];
  if (complaintRate !== null && complaintRate > thresholds.complaintRate)
    warnings.push({
      kind: 'complaint_rate',
      rate: complaintRate,
      threshold: thresholds.complaintRate,
      message: `complaint rate ${percent(complaintRate)} (${complained} of ${emailsSent} emails) is above ${percent(thresholds.complaintRate)}: Gmail and Yahoo ask bulk senders to stay under 0.1% and never reach 0.3%`,
    });
  if (bounceRate !== null && bounceRate > thresholds.bounceRate)
    warnings.push({
      kind: 'bounce_rate',
      rate: bounceRate,
      threshold: thresholds.bounceRate,
      message: `bounce rate ${percent(bounceRate)} (${bounced} of ${emailsSent} emails) is above ${percent(thresholds.bounceRate)}: the email provider may pause the account (Resend: keep it under 4%)`,
    });
  return { emailsSent, bounced, complained, bounceRate, complaintRate, thresholds, warnings };
}
