/**
 * The reads behind a checkout flow's results: each journey in scope with the checkout it runs for
 * and the paid order that completed that checkout, and the messages each journey sent (held-out
 * journeys: the messages withheld from them). Recovery is decided in TypeScript
 * (src/domain/reports/checkout-recovery.ts).
 *
 * A journey runs for a checkout when its workflow id is the keyed one (`<campaign>/<contact>/key/
 * <checkout id>`, src/campaigns/enrolment.ts) of a checkout of the same contact. The order that
 * completes a checkout names it: orders.checkout_id = checkouts.external_id within the same source.
 */
import { sql } from 'kysely';
import type { Executor } from './database.js';
import { type Scope, scopedJourneys } from './reports.js';

/** The journeys in scope that run for a checkout, as a SQL fragment usable in a CTE (after `j`). */
const checkoutJourneysOf = (s: Scope) => sql`
  SELECT j.workflow_id, j.holdout, j.enrolled_at, c.source, c.external_id
  FROM j JOIN checkouts c ON c.contact_id = j.contact_id
  WHERE j.workflow_id = ${s.campaignId} || '/' || j.contact_id || '/key/' || c.external_id`;

export interface CheckoutJourneyRow {
  workflow_id: string;
  holdout: boolean;
  enrolled_at: Date;
  source: string;
  checkout_id: string;
  /** The first paid order naming the checkout; null while none has. */
  order_id: number | null;
  placed_at: Date | null;
  total: number | null;
  currency: string | null;
}

/** Every journey in scope that runs for a checkout, with the order that completed it (if any). */
export async function checkoutJourneyRows(db: Executor, s: Scope): Promise<CheckoutJourneyRow[]> {
  const result = await sql<CheckoutJourneyRow>`
    WITH j AS (${scopedJourneys(s)}), jc AS (${checkoutJourneysOf(s)})
    SELECT jc.workflow_id, jc.holdout, jc.enrolled_at, jc.source, jc.external_id AS checkout_id,
           o.id AS order_id, o.placed_at, o.total::float8 AS total, o.currency
    FROM jc LEFT JOIN LATERAL (
      SELECT o.id, o.placed_at, o.total, o.currency FROM orders o
      WHERE o.source = jc.source AND o.checkout_id = jc.external_id AND o.status = 'paid'
      ORDER BY o.placed_at, o.id LIMIT 1) o ON true
    ORDER BY jc.enrolled_at, jc.workflow_id`.execute(db);
  return result.rows;
}

export interface CheckoutTouchRow {
  workflow_id: string;
  /** The send step (a node id; `node#2` for a second visit). */
  step: string;
  channel: string;
  /** Sent (treated: when the provider took it) or withheld (held out: when the journey got there). */
  at: Date;
}

/**
 * The messages the checkout journeys in scope sent, and those withheld from the held-out ones
 * (skipped, reason "holdout": a held-out contact who could not have received the message is
 * skipped for that other reason, so both groups count the same messages).
 */
export async function checkoutTouchRows(db: Executor, s: Scope): Promise<CheckoutTouchRow[]> {
  const result = await sql<CheckoutTouchRow>`
    WITH j AS (${scopedJourneys(s)}), jc AS (${checkoutJourneysOf(s)})
    SELECT m.workflow_id, substr(m.idempotency_key, length(m.workflow_id) + 2) AS step, m.channel,
           coalesce(m.sent_at, m.created_at) AS at
    FROM messages m JOIN jc ON jc.workflow_id = m.workflow_id
    WHERE m.campaign_id = ${s.campaignId} AND m.status = 'sent' AND NOT jc.holdout
    UNION ALL
    SELECT e.workflow_id, coalesce(e.step, 'unknown'), coalesce(e.detail->>'channel', 'unknown'), e.occurred_at
    FROM journey_events e JOIN jc ON jc.workflow_id = e.workflow_id
    WHERE e.campaign_id = ${s.campaignId} AND e.type = 'message_skipped'
      AND e.detail->>'reason' = 'holdout' AND jc.holdout
    ORDER BY 1, 4`.execute(db);
  return result.rows;
}
