/**
 * The shape of a campaign report: what `boomerang report --json` prints and `GET /api/report`
 * answers (the same object, from the same function, so the CLI and the dashboard always agree).
 * Dates are ISO 8601 strings; amounts are in the shop's currency, rounded to cents.
 */
import type { CouponSetStatus } from '../db/coupons.js';
import type { InboxState } from '../db/inbox.js';
import type { CampaignKind } from '../domain/campaigns/definition.js';
import type { CheckoutRecoveryResults } from '../domain/reports/checkout-recovery.js';
import type { GraphEdge, GraphNode } from '../domain/reports/graphs.js';
import type { ControlGroupComparison, GroupFigures } from '../domain/reports/uplift.js';
import type { alwaysValidHoldoutUplift, ExperimentResult } from './experiments.js';

export interface CampaignsReport {
  generatedAt: string;
  filters: {
    /** One campaign, or null for all. */
    campaign: string | null;
    /** Only journeys enrolled at or after this instant; null for all. */
    since: string | null;
    /** The attribution window as given ("7d") and in milliseconds. */
    window: string;
    windowMs: number;
  };
  currency: string;
  /** Days of `revenueByDay` are calendar days in this time zone. */
  timezone: string;
  /** How purchases are attributed, in a few sentences (the full rule: src/domain/reports/attribution.ts). */
  attributionRule: string[];
  temporal: { uiUrl: string; namespace: string };
  /** Every coupon set, flagged `low` when fewer codes are available than its low_stock_threshold. */
  couponPools: CouponPool[];
  /** Store events in the inbox per state; parked ones wait for `boomerang inbox retry|discard`. */
  inbox: Record<InboxState, number>;
  campaigns: CampaignResult[];
}

export interface CouponPool extends CouponSetStatus {
  /** Campaigns that assign codes from this set. */
  campaigns: string[];
}

export interface CampaignResult {
  id: string;
  name: string;
  kind: CampaignKind;
  status: 'active' | 'paused' | 'stopped';
  holdoutPercent: number;
  /** A coded kind's coupon set; null for a flow, whose sets are its coupon nodes' (`coupons.pools`). */
  couponSet: string | null;
  /** The Web UI's list of this campaign's journeys. */
  uiUrl: string;
  /** `failed`: ended because the workflow failed (included in `ended`); `contact trace` says why. */
  journeys: {
    enrolled: number;
    treated: number;
    heldOut: number;
    active: number;
    ended: number;
    failed: number;
  };
  endings: { reason: string; count: number; treated: number; heldOut: number }[];
  funnel: Funnel;
  messages: MessageFigures;
  /** Email bounce and complaint rates against the configured thresholds, with a warning for each passed. */
  deliverability: Deliverability;
  /**
   * `pool`: the pool of `couponSet`. `pools`: every set the campaign assigns codes from (a flow's
   * coupon nodes' sets, none without coupon nodes), each with its pool (null: no such set).
   */
  coupons: {
    assigned: number;
    redeemed: number;
    pool: CouponPool | null;
    pools: { set: string; pool: CouponPool | null }[];
  };
  /**
   * Attributed purchases of every journey, then treated vs held-out with the uplift, then per
   * campaign definition version (the version of each journey's latest step), oldest first.
   */
  results: ControlGroupComparison & {
    all: GroupFigures;
    byDefinitionVersion: DefinitionVersionResult[];
    /** The same uplift as always-valid intervals: valid however often the report is read. */
    alwaysValidUplift: ReturnType<typeof alwaysValidHoldoutUplift>;
  };
  /** A flow's experiments (splits with `experiment`, sends with `variants`), in node order. */
  experiments: ExperimentResult[];
  /** Welcome campaigns only: the seed's key metric. */
  welcome: WelcomeMetric | null;
  /** Checkout flows only (a journey per checkout): recovered checkouts, treated vs held out, per send node. */
  checkouts: CheckoutRecoveryResults | null;
  revenueByDay: RevenueDay[];
}

export interface DefinitionVersionResult {
  version: number;
  /** Every journey of this version (treated and held out). */
  all: GroupFigures;
  treated: GroupFigures;
}

export interface Funnel {
  /** The campaign kind's nodes in order, each with the journeys that reached it. */
  nodes: FunnelNode[];
  edges: GraphEdge[];
  /** Where journeys ended: after which node, why. Designed exits are listed even at 0. */
  exits: FunnelExit[];
  /** Steps recorded by journeys that the kind's graph does not know (a newer workflow version?). */
  unmapped: { id: string; step: string; occurrence: number; reached: number }[];
}

export interface FunnelNode extends GraphNode {
  /** Distinct journeys that entered this node (for the start node: enrolled). */
  reached: number;
  treated: number;
  heldOut: number;
  /** Running journeys whose latest node is this one. */
  here: number;
  /** Web UI search for the journeys now at this node (BoomerangCampaign + BoomerangStep). */
  uiQuery: string;
  uiUrl: string;
}

export interface FunnelExit {
  /** Node id after which the journeys ended. */
  from: string;
  reason: string;
  label?: 'yes' | 'no';
  /** Part of the kind's graph (false: e.g. unsubscribed, coupon_pool_exhausted, campaign_stopped). */
  designed: boolean;
  count: number;
  treated: number;
  heldOut: number;
  uiQuery: string;
  uiUrl: string;
}

export interface MessageFigures {
  sent: { email: number; sms: number; total: number };
  failed: { email: number; sms: number; total: number };
  /** Still with the provider (a retried send in progress). */
  sending: number;
  skipped: { channel: string; reason: string; count: number }[];
  /** Message nodes entered by held-out journeys: messages the control group did not get. */
  withheldFromControlGroup: number;
  /** Each send node of the campaign's graph, in its order, then any other step that sent. */
  bySendNode: SendNodeMessages[];
}

/**
 * One send node's messages and what the provider said about them. `delivered`, `bounced` (hard),
 * `softBounced`, `complained`, `opened`, `clicked`: messages with at least one such feedback event.
 * `unsubscribed`: contacts who left after this message and before the journey's next one.
 * `skipped` and `delayed` count journeys, by reason (`delayed`: held at least once by quiet hours
 * or the frequency cap; a delayed message that went out later is also in `sent`).
 */
export interface SendNodeMessages {
  /** The funnel node id (`send_offer`, or `step#2` for a second visit). */
  node: string;
  step: string;
  channel: string;
  /** False for a step that sent but is not in the kind's graph (a newer workflow version?). */
  inGraph: boolean;
  sent: number;
  failed: number;
  delivered: number;
  bounced: number;
  softBounced: number;
  complained: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
  skipped: { reason: string; count: number }[];
  delayed: { reason: string; count: number }[];
}

export interface DeliverabilityThresholds {
  /** Hard bounces per email sent above which the report warns (0.04 = 4%). */
  bounceRate: number;
  /** Spam complaints per email sent above which the report warns (0.001 = 0.1%). */
  complaintRate: number;
}

export interface Deliverability {
  emailsSent: number;
  bounced: number;
  complained: number;
  /** Hard bounces per email sent; null with no email sent. */
  bounceRate: number | null;
  /** Complaints per email sent; null with no email sent. */
  complaintRate: number | null;
  thresholds: DeliverabilityThresholds;
  warnings: DeliverabilityWarning[];
}

export interface DeliverabilityWarning {
  kind: 'bounce_rate' | 'complaint_rate';
  rate: number;
  threshold: number;
  message: string;
}

export interface WelcomeFigures {
  registrations: number;
  firstPurchases: number;
  firstPurchaseRevenue: number;
  /** First-purchase revenue per 1,000 registrations; null with no registrations. */
  perThousandRegistrations: number | null;
}

export interface WelcomeMetric extends WelcomeFigures {
  treated: WelcomeFigures;
  heldOut: WelcomeFigures;
  /** The seed's average result (CareCloud): €3,950 per 1,000 registrations. */
  seedBenchmarkPerThousand: number;
}

export interface RevenueDay {
  /** YYYY-MM-DD in the report's time zone. */
  date: string;
  orders: number;
  revenue: number;
  treatedRevenue: number;
  heldOutRevenue: number;
}
