/**
 * Campaign results: the funnel per node, messages, coupons, attributed purchases and revenue, the
 * control-group comparison with its uplift, and the welcome campaign's first-purchase revenue per
 * 1,000 registrations. One function, `buildReport`, serves `boomerang report` and `GET /api/report`.
 *
 * Every read runs in one read-only, repeatable-read transaction: the figures come from a single
 * snapshot, and the report can never write.
 */
import type { Transaction } from 'kysely';
import type { Config } from '../config.js';
import { listCampaigns, type StoredCampaign, UnknownCampaignError } from '../db/campaigns.js';
import { couponSetStatus } from '../db/coupons.js';
import { countInboxByState } from '../db/inbox.js';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import {
  attributeOrders,
  type JourneyAttribution,
  type JourneyFacts,
  type OrderFacts,
} from '../domain/reports/attribution.js';
import {
  type CampaignGraph,
  campaignGraph,
  messageSteps,
  nodeId,
} from '../domain/reports/graphs.js';
import { compareControlGroups, noHeldOutReason, summarizeGroup } from '../domain/reports/uplift.js';
import type { CampaignDefinition } from '../domain/campaigns/definition.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import { couponSetsOf } from '../campaigns/coupon-pools.js';
import {
  DEFAULT_DELIVERABILITY_THRESHOLDS,
  deliverabilityOf,
  sendNodeMessages,
} from './deliverability.js';
import { checkoutResults } from './checkouts.js';
import { alwaysValidHoldoutUplift, experimentResults } from './experiments.js';
import { journeysQuery, type UiTarget, workflowSearchUrl } from './links.js';
import type { ReportOptions } from './options.js';
import * as q from '../db/reports.js';
import type {
  CampaignResult,
  DefinitionVersionResult,
  CampaignsReport,
  CouponPool,
  DeliverabilityThresholds,
  Funnel,
  FunnelExit,
  FunnelNode,
  MessageFigures,
  RevenueDay,
  WelcomeFigures,
  WelcomeMetric,
} from './types.js';

export type ReportConfig = {
  temporal: Pick<Config['temporal'], 'uiUrl' | 'namespace'>;
  shop: Pick<Config['shop'], 'currency' | 'timezone'>;
  /** When the report warns of bounces and complaints; absent: the published defaults. */
  deliverability?: DeliverabilityThresholds | undefined;
};

/** CareCloud's welcome voucher: "€3 950 per 1 000 registrations" (../shared/seeds/carecloud-welcome-voucher.en.txt). */
export const WELCOME_SEED_BENCHMARK_PER_THOUSAND = 3950;

export const ATTRIBUTION_RULE = [
  'A journey claims the paid orders of its contact placed from its enrolment until its last message sent plus the window.',
  'A held-out journey sends nothing: its last message is when it entered its last "send" node; a journey that sent nothing is anchored at its enrolment.',
  "An order that redeemed a coupon the journey assigned is always the journey's. An order is claimed by at most one journey per campaign (the latest enrolment).",
  'Conversion: a journey with at least one attributed order. Revenue: attributed orders in the shop currency.',
  'Uplift: treated − held-out; conversion rate with a Newcombe hybrid score 95% interval, revenue per contact with a Welch 95% interval.',
];

export class UnknownReportCampaignError extends UnknownCampaignError {
  constructor(campaignId: string, known: string[]) {
    super(campaignId, known, 'there are no campaigns yet');
    this.name = 'UnknownReportCampaignError';
  }
}

export async function buildReport(
  db: Db,
  config: ReportConfig,
  options: ReportOptions,
): Promise<CampaignsReport> {
  const now = options.now ?? new Date();
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const stored = await listCampaigns(trx);
      if (options.campaignId && !stored.some((c) => c.definition.id === options.campaignId)) {
        throw new UnknownReportCampaignError(
          options.campaignId,
          stored.map((c) => c.definition.id),
        );
      }
      const pools: CouponPool[] = (await couponSetStatus(trx, now)).map((set) => ({
        ...set,
        campaigns: stored
          .filter((c) => couponSetsOf(c.definition).includes(set.setId))
          .map((c) => c.definition.id),
      }));
      const selected = stored.filter(
        (c) => !options.campaignId || c.definition.id === options.campaignId,
      );
      const campaigns: CampaignResult[] = [];
      for (const campaign of selected)
        campaigns.push(await campaignResult(trx, config, options, campaign, pools));
      return {
        generatedAt: now.toISOString(),
        filters: {
          campaign: options.campaignId ?? null,
          since: options.since?.toISOString() ?? null,
          window: options.window.text,
          windowMs: options.window.ms,
        },
        currency: config.shop.currency,
        timezone: config.shop.timezone,
        attributionRule: ATTRIBUTION_RULE,
        temporal: { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace },
        couponPools: pools,
        inbox: await countInboxByState(trx),
        campaigns,
      };
    });
}

async function campaignResult(
  db: Transaction<Database>,
  config: ReportConfig,
  options: ReportOptions,
  stored: StoredCampaign,
  pools: CouponPool[],
): Promise<CampaignResult> {
  const campaign = stored.definition;
  const scope: q.Scope = { campaignId: campaign.id, since: options.since ?? null };
  const graph = campaignGraph(campaign);
  const ui: UiTarget = config.temporal;

  // One after the other: a transaction is one connection.
  const journeys = await q.journeyRows(db, scope, messageSteps(graph));
  const nodes = await q.nodeCounts(db, scope);
  const exits = await q.exitCounts(db, scope);
  const statuses = await q.messageStatusCounts(db, scope);
  const skips = await q.skippedMessageCounts(db, scope);
  const coupons = await q.couponAssignments(db, scope);
  const orders = await q.paidOrders(db, scope);
  const stepMessages = await q.stepMessageCounts(db, scope);
  const stepEvents = await q.stepSkipAndDelayCounts(db, scope);
  const checkouts = await checkoutResults(db, scope, campaign, graph, config.shop.currency);

  const facts: JourneyFacts[] = journeys.map((j) => ({
    workflowId: j.workflow_id,
    contactId: j.contact_id,
    holdout: j.holdout,
    enrolledAt: j.enrolled_at,
    lastMessageSentAt: j.last_message_sent_at,
    lastMessageStepAt: j.last_message_step_at,
  }));
  const redeemedBy = new Map(
    coupons
      .filter((c) => c.redeemed_order_id !== null)
      .map((c) => [c.redeemed_order_id!, c.workflow_id]),
  );
  const orderFacts: OrderFacts[] = orders.map((o) => ({
    id: o.id,
    contactId: o.contact_id,
    placedAt: o.placed_at,
    total: o.total,
    currency: o.currency,
    firstPurchase: o.first_purchase,
    redeemedCouponOf: redeemedBy.get(o.id) ?? null,
  }));
  const attributed = attributeOrders(facts, orderFacts, {
    windowMs: options.window.ms,
    currency: config.shop.currency,
  });

  const treated = journeys.filter((j) => !j.holdout).length;
  const ended = journeys.filter((j) => j.ended_at !== null).length;
  const funnel = buildFunnel(graph, campaign.id, ui, journeys, nodes, exits);

  return {
    id: campaign.id,
    name: campaign.name,
    kind: campaign.kind,
    status: stored.status,
    holdoutPercent: campaign.holdoutPercent,
    couponSet:
      (campaign as CampaignDefinition | FlowCampaign).kind === 'flow' ? null : campaign.couponSet,
    uiUrl: workflowSearchUrl(ui, journeysQuery(campaign.id)),
    journeys: {
      enrolled: journeys.length,
      treated,
      heldOut: journeys.length - treated,
      active: journeys.length - ended,
      ended,
      failed: journeys.filter((j) => j.end_reason === 'failed').length,
    },
    endings: endings(journeys),
    funnel,
    messages: {
      ...messageFigures(statuses, skips),
      bySendNode: sendNodeMessages(graph, stepMessages, stepEvents),
    },
    deliverability: deliverabilityOf(
      stepMessages,
      config.deliverability ?? DEFAULT_DELIVERABILITY_THRESHOLDS,
    ),
    coupons: {
      assigned: coupons.length,
      redeemed: coupons.filter((c) => c.redeemed_order_id !== null).length,
      pool: pools.find((p) => p.setId === campaign.couponSet) ?? null,
      pools: couponSetsOf(campaign).map((set) => ({
        set,
        pool: pools.find((p) => p.setId === set) ?? null,
      })),
    },
    results: {
      ...compareControlGroups(attributed, 0.95, noHeldOutReason(campaign.holdoutPercent)),
      all: summarizeGroup(attributed),
      byDefinitionVersion: byDefinitionVersion(journeys, attributed),
      alwaysValidUplift: alwaysValidHoldoutUplift(attributed),
    },
    experiments: await experimentResults(db, scope, campaign, attributed, config.shop.timezone),
    welcome: campaign.kind === 'welcome_voucher' ? welcomeMetric(attributed) : null,
    checkouts,
    revenueByDay: revenueByDay(attributed, config.shop.currency, config.shop.timezone),
  };
}

/** Results per definition version, so a changed template or wait can be compared with the old one. */
function byDefinitionVersion(
  journeys: q.JourneyRow[],
  attributed: JourneyAttribution[],
): DefinitionVersionResult[] {
  const versionOf = new Map(journeys.map((j) => [j.workflow_id, j.definition_version]));
  const versions = [...new Set(journeys.map((j) => j.definition_version))].sort((a, b) => a - b);
  return versions.map((version) => {
    const of = attributed.filter((a) => versionOf.get(a.journey.workflowId) === version);
    return {
      version,
      all: summarizeGroup(of),
      treated: summarizeGroup(of.filter((a) => !a.journey.holdout)),
    };
  });
}

function buildFunnel(
  graph: CampaignGraph,
  campaignId: string,
  ui: UiTarget,
  journeys: q.JourneyRow[],
  nodes: q.NodeCountRow[],
  exits: q.ExitRow[],
): Funnel {
  const counts = new Map<string, { treated: number; heldOut: number; here: number }>();
  for (const row of nodes) {
    const id = nodeId(row.step, row.occurrence);
    const c = counts.get(id) ?? { treated: 0, heldOut: 0, here: 0 };
    if (row.holdout) c.heldOut += row.reached;
    else c.treated += row.reached;
    c.here += row.here;
    counts.set(id, c);
  }
  const heldOut = journeys.filter((j) => j.holdout).length;
  const notStarted =
    journeys.filter((j) => j.ended_at === null).length - nodes.reduce((sum, r) => sum + r.here, 0);

  const funnelNodes: FunnelNode[] = graph.nodes.map((n) => {
    if (n.step === null) {
      const uiQuery = journeysQuery(campaignId);
      return {
        ...n,
        reached: journeys.length,
        treated: journeys.length - heldOut,
        heldOut,
        here: Math.max(0, notStarted),
        uiQuery,
        uiUrl: workflowSearchUrl(ui, uiQuery),
      };
    }
    const c = counts.get(n.id) ?? { treated: 0, heldOut: 0, here: 0 };
    const uiQuery = journeysQuery(campaignId, n.step);
    return {
      ...n,
      reached: c.treated + c.heldOut,
      treated: c.treated,
      heldOut: c.heldOut,
      here: c.here,
      uiQuery,
      uiUrl: workflowSearchUrl(ui, uiQuery),
    };
  });
  const known = new Set(graph.nodes.map((n) => n.id));
  const unmapped = [...counts.entries()]
    .filter(([id]) => !known.has(id))
    .map(([id, c]) => {
      const [step, occurrence] = id.includes('#')
        ? [id.slice(0, id.lastIndexOf('#')), Number(id.slice(id.lastIndexOf('#') + 1))]
        : [id, 1];
      return { id, step, occurrence, reached: c.treated + c.heldOut };
    })
    .sort((a, b) => a.id.localeCompare(b.id));

  const exitMap = new Map<string, FunnelExit>();
  const exitFor = (
    from: string,
    reason: string,
    label?: 'yes' | 'no',
    designed = false,
  ): FunnelExit => {
    const key = `${from}\u0000${reason}`;
    let exit = exitMap.get(key);
    if (!exit) {
      const uiQuery = journeysQuery(campaignId, `end:${reason}`);
      exit = {
        from,
        reason,
        ...(label ? { label } : {}),
        designed,
        count: 0,
        treated: 0,
        heldOut: 0,
        uiQuery,
        uiUrl: workflowSearchUrl(ui, uiQuery),
      };
      exitMap.set(key, exit);
    }
    return exit;
  };
  for (const e of graph.exits) exitFor(e.from, e.reason, e.label, true);
  for (const row of exits) {
    const exit = exitFor(
      row.step === null ? 'enrolled' : nodeId(row.step, row.occurrence ?? 1),
      row.end_reason,
    );
    exit.count += row.count;
    if (row.holdout) exit.heldOut += row.count;
    else exit.treated += row.count;
  }
  return { nodes: funnelNodes, edges: graph.edges, exits: [...exitMap.values()], unmapped };
}

function endings(journeys: q.JourneyRow[]): CampaignResult['endings'] {
  const byReason = new Map<
    string,
    { reason: string; count: number; treated: number; heldOut: number }
  >();
  for (const j of journeys) {
    if (j.ended_at === null) continue;
    const reason = j.end_reason ?? 'unknown';
    const e = byReason.get(reason) ?? { reason, count: 0, treated: 0, heldOut: 0 };
    e.count++;
    if (j.holdout) e.heldOut++;
    else e.treated++;
    byReason.set(reason, e);
  }
  return [...byReason.values()].sort(
    (a, b) => b.count - a.count || a.reason.localeCompare(b.reason),
  );
}

function messageFigures(
  statuses: q.MessageStatusRow[],
  skips: q.SkipRow[],
): Omit<MessageFigures, 'bySendNode'> {
  const count = (channel: string, status: string) =>
    statuses
      .filter((s) => s.channel === channel && s.status === status)
      .reduce((sum, s) => sum + s.count, 0);
  const figures = (status: string) => ({
    email: count('email', status),
    sms: count('sms', status),
    total: count('email', status) + count('sms', status),
  });
  return {
    sent: figures('sent'),
    failed: figures('failed'),
    sending: figures('sending').total,
    // Withheld from the control group: the sends recorded as skipped with reason "holdout" (a
    // held-out contact who could not have received the message is skipped for that reason instead).
    skipped: skips
      .filter((s) => s.reason !== 'holdout')
      .map((s) => ({ channel: s.channel, reason: s.reason, count: s.count })),
    withheldFromControlGroup: skips
      .filter((s) => s.reason === 'holdout')
      .reduce((sum, s) => sum + s.count, 0),
  };
}

function welcomeFigures(journeys: JourneyAttribution[]): WelcomeFigures {
  const revenueCents = journeys.reduce(
    (sum, j) => sum + Math.round(j.firstPurchaseRevenue * 100),
    0,
  );
  return {
    registrations: journeys.length,
    firstPurchases: journeys.filter((j) => j.firstPurchase).length,
    firstPurchaseRevenue: revenueCents / 100,
    perThousandRegistrations: journeys.length
      ? Math.round((revenueCents * 1000) / journeys.length) / 100
      : null,
  };
}

/** "Revenue from the first purchases of newly registered customers, per 1,000 registrations." */
function welcomeMetric(journeys: JourneyAttribution[]): WelcomeMetric {
  return {
    ...welcomeFigures(journeys),
    treated: welcomeFigures(journeys.filter((j) => !j.journey.holdout)),
    heldOut: welcomeFigures(journeys.filter((j) => j.journey.holdout)),
    seedBenchmarkPerThousand: WELCOME_SEED_BENCHMARK_PER_THOUSAND,
  };
}

/** Attributed revenue per calendar day (in the shop's time zone) of the order. */
function revenueByDay(
  journeys: JourneyAttribution[],
  currency: string,
  timeZone: string,
): RevenueDay[] {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const days = new Map<string, { orders: number; treated: number; heldOut: number }>();
  for (const j of journeys) {
    for (const order of j.orders) {
      const date = day.format(order.placedAt);
      const d = days.get(date) ?? { orders: 0, treated: 0, heldOut: 0 };
      d.orders++;
      const cents = order.currency === currency ? Math.round(order.total * 100) : 0;
      if (j.journey.holdout) d.heldOut += cents;
      else d.treated += cents;
      days.set(date, d);
    }
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, d]) => ({
      date,
      orders: d.orders,
      revenue: (d.treated + d.heldOut) / 100,
      treatedRevenue: d.treated / 100,
      heldOutRevenue: d.heldOut / 100,
    }));
}
