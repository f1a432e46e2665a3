/**
 * A checkout flow's results in the campaign report: checkouts entered, recovered, the recovery
 * rate and recovered revenue, treated against held out and per send node
 * (src/domain/reports/checkout-recovery.ts has the rule). A checkout flow is one whose journeys are
 * keyed on the checkout id (entry on `checkout_started` with `key: checkout_id`).
 */
import { campaignKind } from '../campaigns/kinds/registry.js';
import type { CampaignBase } from '../campaigns/kinds/common.js';
import { triggerOf } from '../campaigns/kinds/kind.js';
import { checkoutJourneyRows, checkoutTouchRows } from '../db/checkout-results.js';
import type { Executor } from '../db/database.js';
import type { Scope } from '../db/reports.js';
import { CHECKOUT_KEY } from '../domain/checkouts.js';
import {
  type CheckoutRecoveryResults,
  checkoutRecoveryResults,
} from '../domain/reports/checkout-recovery.js';
import { noHeldOutReason } from '../domain/reports/uplift.js';
import { type CampaignGraph, MESSAGE_NODE_KINDS } from '../domain/reports/graphs.js';

/** Does the campaign run one journey per checkout? */
export function isCheckoutFlow(campaign: CampaignBase): boolean {
  const trigger = triggerOf(campaignKind(campaign.kind), campaign);
  return trigger.on === 'event' && trigger.key === CHECKOUT_KEY;
}

/** The recovery figures of a checkout flow's journeys in scope; null for any other campaign. */
export async function checkoutResults(
  db: Executor,
  scope: Scope,
  campaign: CampaignBase,
  graph: CampaignGraph,
  currency: string,
): Promise<CheckoutRecoveryResults | null> {
  if (!isCheckoutFlow(campaign)) return null;
  const journeys = await checkoutJourneyRows(db, scope);
  const touches = await checkoutTouchRows(db, scope);
  const touchesOf = new Map<string, typeof touches>();
  for (const t of touches) {
    const list = touchesOf.get(t.workflow_id);
    if (list) list.push(t);
    else touchesOf.set(t.workflow_id, [t]);
  }
  const sendNodes = graph.nodes
    .filter((n) => MESSAGE_NODE_KINDS.has(n.kind) && n.step !== null)
    .map((n) => ({ node: n.id, channel: n.kind }));
  return checkoutRecoveryResults(
    journeys.map((j) => ({
      workflowId: j.workflow_id,
      holdout: j.holdout,
      order:
        j.order_id === null
          ? null
          : {
              id: j.order_id,
              placedAt: j.placed_at!,
              total: Number(j.total),
              currency: j.currency!,
            },
      touches: (touchesOf.get(j.workflow_id) ?? []).map((t) => ({
        node: t.step,
        channel: t.channel,
        at: t.at,
      })),
    })),
    sendNodes,
    currency,
    0.95,
    noHeldOutReason(campaign.holdoutPercent),
  );
}
