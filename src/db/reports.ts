/**
 * The report's reads: a handful of aggregate queries per campaign, all over the journeys enrolled
 * in the report's period. Node counts and endings are aggregated in Postgres; attribution needs one
 * row per journey and one per paid order of its contacts, and is done in TypeScript
 * (src/domain/reports/attribution.ts). At the end, the counts behind the Prometheus metrics
 * (src/reports/metrics.ts).
 */
import { sql } from 'kysely';
import { type Executor } from './database.js';
import { TEST_SEND_KEY_PREFIX } from './messages.js';

export interface Scope {
  campaignId: string;
  since: Date | null;
}

/** The journeys in scope, as a SQL fragment usable in a CTE. */
export const scopedJourneys = (s: Scope) => sql`
  SELECT workflow_id, contact_id, holdout, enrolled_at, ended_at, end_reason, definition_version
  FROM journeys
  WHERE campaign_id = ${s.campaignId} AND (${s.since}::timestamptz IS NULL OR enrolled_at >= ${s.since}::timestamptz)`;

export interface JourneyRow {
  workflow_id: string;
  contact_id: number;
  holdout: boolean;
  enrolled_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  /** The campaign definition version of the journey's latest step. */
  definition_version: number;
  last_message_sent_at: Date | null;
  last_message_step_at: Date | null;
}

/** Every journey in scope with its last message sent and its last message node entered. */
export async function journeyRows(
  db: Executor,
  s: Scope,
  messageSteps: string[],
): Promise<JourneyRow[]> {
  const result = await sql<JourneyRow>`
    WITH j AS (${scopedJourneys(s)}),
    sent AS (
      SELECT m.workflow_id, max(coalesce(m.sent_at, m.created_at)) AS last_sent
      FROM messages m JOIN j ON j.workflow_id = m.workflow_id
      WHERE m.campaign_id = ${s.campaignId} AND m.status = 'sent'
      GROUP BY m.workflow_id),
    steps AS (
      SELECT e.workflow_id, max(e.occurred_at) AS last_step
      FROM journey_events e JOIN j ON j.workflow_id = e.workflow_id
      WHERE e.campaign_id = ${s.campaignId} AND e.type = 'step_entered' AND e.step = ANY(${messageSteps}::text[])
      GROUP BY e.workflow_id)
    SELECT j.workflow_id, j.contact_id, j.holdout, j.enrolled_at, j.ended_at, j.end_reason,
           j.definition_version, sent.last_sent AS last_message_sent_at, steps.last_step AS last_message_step_at
    FROM j LEFT JOIN sent USING (workflow_id) LEFT JOIN steps USING (workflow_id)
    ORDER BY j.enrolled_at, j.workflow_id`.execute(db);
  return result.rows;
}

/**
 * Each journey's node visits, numbered: the n-th `step_entered` of the same step in a journey is
 * occurrence n (ordered by the event id: a journey's bookkeeping is written one step at a time).
 */
const numberedSteps = (s: Scope) => sql`
  SELECT e.workflow_id, e.step,
         row_number() OVER (PARTITION BY e.workflow_id, e.step ORDER BY e.id) AS occurrence,
         row_number() OVER (PARTITION BY e.workflow_id ORDER BY e.id DESC) AS recency
  FROM journey_events e JOIN j ON j.workflow_id = e.workflow_id
  WHERE e.campaign_id = ${s.campaignId} AND e.type = 'step_entered'`;

export interface NodeCountRow {
  step: string;
  occurrence: number;
  holdout: boolean;
  reached: number;
  here: number;
}

/** Distinct journeys per (step, occurrence, holdout), and how many running journeys are there now. */
export async function nodeCounts(db: Executor, s: Scope): Promise<NodeCountRow[]> {
  const result = await sql<NodeCountRow>`
    WITH j AS (${scopedJourneys(s)}), e AS (${numberedSteps(s)})
    SELECT e.step, e.occurrence::int AS occurrence, j.holdout,
           count(*)::int AS reached,
           (count(*) FILTER (WHERE e.recency = 1 AND j.ended_at IS NULL))::int AS here
    FROM e JOIN j ON j.workflow_id = e.workflow_id
    GROUP BY e.step, e.occurrence, j.holdout`.execute(db);
  return result.rows;
}

export interface ExitRow {
  /** The last step the journey entered (null: it ended before entering any). */
  step: string | null;
  occurrence: number | null;
  end_reason: string;
  holdout: boolean;
  count: number;
}

/** Ended journeys per (last node entered, end reason, holdout). */
export async function exitCounts(db: Executor, s: Scope): Promise<ExitRow[]> {
  const result = await sql<ExitRow>`
    WITH j AS (${scopedJourneys(s)}), e AS (${numberedSteps(s)})
    SELECT e.step, e.occurrence::int AS occurrence, coalesce(j.end_reason, 'unknown') AS end_reason, j.holdout, count(*)::int AS count
    FROM j LEFT JOIN e ON e.workflow_id = j.workflow_id AND e.recency = 1
    WHERE j.ended_at IS NOT NULL
    GROUP BY e.step, e.occurrence, j.end_reason, j.holdout`.execute(db);
  return result.rows;
}

export interface MessageStatusRow {
  channel: string;
  status: string;
  count: number;
}

export async function messageStatusCounts(db: Executor, s: Scope): Promise<MessageStatusRow[]> {
  const result = await sql<MessageStatusRow>`
    WITH j AS (${scopedJourneys(s)})
    SELECT m.channel, m.status, count(*)::int AS count
    FROM messages m JOIN j ON j.workflow_id = m.workflow_id
    WHERE m.campaign_id = ${s.campaignId}
    GROUP BY m.channel, m.status`.execute(db);
  return result.rows;
}

export interface SkipRow {
  channel: string;
  reason: string;
  count: number;
}

export async function skippedMessageCounts(db: Executor, s: Scope): Promise<SkipRow[]> {
  const result = await sql<SkipRow>`
    WITH j AS (${scopedJourneys(s)})
    SELECT coalesce(e.detail->>'channel', 'unknown') AS channel, coalesce(e.detail->>'reason', 'unknown') AS reason, count(*)::int AS count
    FROM journey_events e JOIN j ON j.workflow_id = e.workflow_id
    WHERE e.campaign_id = ${s.campaignId} AND e.type = 'message_skipped'
    GROUP BY 1, 2
    ORDER BY count DESC, 1, 2`.execute(db);
  return result.rows;
}

export interface StepMessageRow {
  step: string;
  channel: string;
  sent: number;
  failed: number;
  delivered: number;
  bounced: number;
  soft_bounced: number;
  complained: number;
  opened: number;
  clicked: number;
  unsubscribed: number;
}

/**
 * Per send step and channel: messages sent and failed, and how many of them the provider said were
 * delivered, bounced (hard; soft apart), complained of, opened, clicked (each message counted once
 * per kind, however many events). A message's step is its idempotency key after the workflow id
 * (`<workflow id>/<step>`, the send step's key). Unsubscribed: the contact left the newsletter (an
 * email) or withdrew SMS consent (an SMS) after this message went out and before the journey's
 * next one, so the opt-out is charged to the last message the contact had received.
 */
export async function stepMessageCounts(db: Executor, s: Scope): Promise<StepMessageRow[]> {
  const result = await sql<StepMessageRow>`
    WITH j AS (${scopedJourneys(s)}),
    m AS (
      SELECT m.id, m.channel, m.status, m.contact_id, m.provider_message_id,
             substr(m.idempotency_key, length(m.workflow_id) + 2) AS step,
             coalesce(m.sent_at, m.created_at) AS at,
             lead(coalesce(m.sent_at, m.created_at)) OVER (
               PARTITION BY m.workflow_id ORDER BY coalesce(m.sent_at, m.created_at), m.id) AS next_at
      FROM messages m JOIN j ON j.workflow_id = m.workflow_id
      WHERE m.campaign_id = ${s.campaignId}),
    f AS (
      SELECT m.id, array_agg(DISTINCT fb.type) AS types
      FROM m JOIN message_feedback fb
        ON fb.message_id = m.id
        OR (fb.message_id IS NULL AND fb.provider_message_id = m.provider_message_id AND fb.channel = m.channel)
      GROUP BY m.id)
    SELECT m.step, m.channel,
      (count(*) FILTER (WHERE m.status = 'sent'))::int AS sent,
      (count(*) FILTER (WHERE m.status = 'failed'))::int AS failed,
      (count(*) FILTER (WHERE 'delivered' = ANY(f.types)))::int AS delivered,
      (count(*) FILTER (WHERE 'bounced' = ANY(f.types)))::int AS bounced,
      (count(*) FILTER (WHERE 'soft_bounced' = ANY(f.types)))::int AS soft_bounced,
      (count(*) FILTER (WHERE 'complained' = ANY(f.types)))::int AS complained,
      (count(*) FILTER (WHERE 'opened' = ANY(f.types)))::int AS opened,
      (count(*) FILTER (WHERE 'clicked' = ANY(f.types)))::int AS clicked,
      (count(*) FILTER (WHERE m.status = 'sent' AND CASE m.channel
         WHEN 'email' THEN c.newsletter_status = 'unsubscribed' AND c.newsletter_unsubscribed_at >= m.at
                           AND (m.next_at IS NULL OR c.newsletter_unsubscribed_at < m.next_at)
         WHEN 'sms' THEN NOT c.sms_consent AND c.sms_consent_at >= m.at
                         AND (m.next_at IS NULL OR c.sms_consent_at < m.next_at)
         ELSE false END))::int AS unsubscribed
    FROM m LEFT JOIN f ON f.id = m.id JOIN contacts c ON c.id = m.contact_id
    GROUP BY m.step, m.channel
    ORDER BY m.step, m.channel`.execute(db);
  return result.rows;
}

export interface StepEventRow {
  step: string;
  channel: string;
  reason: string;
  count: number;
}

/**
 * Per send step: messages skipped by reason (`message_skipped`), and journeys whose message was
 * held at least once by reason (`message_delayed`: quiet hours, the frequency cap), in `type`.
 */
export async function stepSkipAndDelayCounts(
  db: Executor,
  s: Scope,
): Promise<(StepEventRow & { type: 'skipped' | 'delayed' })[]> {
  const result = await sql<StepEventRow & { type: 'skipped' | 'delayed' }>`
    WITH j AS (${scopedJourneys(s)})
    SELECT CASE e.type WHEN 'message_skipped' THEN 'skipped' ELSE 'delayed' END AS type,
           coalesce(e.step, 'unknown') AS step,
           coalesce(e.detail->>'channel', 'unknown') AS channel,
           coalesce(e.detail->>'reason', 'unknown') AS reason,
           count(DISTINCT e.workflow_id)::int AS count
    FROM journey_events e JOIN j ON j.workflow_id = e.workflow_id
    WHERE e.campaign_id = ${s.campaignId} AND e.type IN ('message_skipped', 'message_delayed')
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, count DESC, 4`.execute(db);
  return result.rows;
}

export interface CouponAssignmentRow {
  workflow_id: string;
  code: string;
  redeemed_order_id: number | null;
}

/** Codes the journeys in scope were assigned (journey_events coupon_assigned), with their redemption. */
export async function couponAssignments(db: Executor, s: Scope): Promise<CouponAssignmentRow[]> {
  const result = await sql<CouponAssignmentRow>`
    WITH j AS (${scopedJourneys(s)})
    SELECT DISTINCT e.workflow_id, c.code, c.redeemed_order_id
    FROM journey_events e
      JOIN j ON j.workflow_id = e.workflow_id
      JOIN coupons c ON c.code = e.detail->>'code'
    WHERE e.campaign_id = ${s.campaignId} AND e.type = 'coupon_assigned'`.execute(db);
  return result.rows;
}

export interface PaidOrderRow {
  id: number;
  contact_id: number;
  placed_at: Date;
  total: number;
  currency: string;
  first_purchase: boolean;
}

/**
 * Paid orders of the contacts in scope placed since the earliest enrolment, each flagged when it
 * is the contact's first paid order ever.
 */
export async function paidOrders(db: Executor, s: Scope): Promise<PaidOrderRow[]> {
  const result = await sql<PaidOrderRow>`
    WITH j AS (${scopedJourneys(s)}),
    paid AS (
      SELECT o.id, o.contact_id, o.placed_at, o.total, o.currency,
             row_number() OVER (PARTITION BY o.contact_id ORDER BY o.placed_at, o.id) = 1 AS first_purchase
      FROM orders o
      WHERE o.status = 'paid' AND o.contact_id IN (SELECT contact_id FROM j))
    SELECT id, contact_id, placed_at, total, currency, first_purchase
    FROM paid
    WHERE placed_at >= (SELECT min(enrolled_at) FROM j)
    ORDER BY placed_at, id`.execute(db);
  return result.rows;
}

/** Journeys enrolled per campaign (held-out ones included), every campaign listed: the metrics. */
export async function journeysStartedPerCampaign(
  db: Executor,
): Promise<{ campaign: string; count: number }[]> {
  const result = await sql<{ campaign: string; count: number }>`
    SELECT c.id AS campaign, count(j.workflow_id)::int AS count
    FROM campaigns c LEFT JOIN journeys j ON j.campaign_id = c.id
    GROUP BY c.id ORDER BY c.id`.execute(db);
  return result.rows;
}

/** Ended journeys per campaign and end reason: the metrics. */
export async function journeysEndedPerCampaignAndReason(
  db: Executor,
): Promise<{ campaign: string; reason: string; count: number }[]> {
  const result = await sql<{ campaign: string; reason: string; count: number }>`
    SELECT campaign_id AS campaign, coalesce(end_reason, 'unknown') AS reason, count(*)::int AS count
    FROM journeys WHERE ended_at IS NOT NULL
    GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return result.rows;
}

/**
 * Messages per channel and status: sent and failed from `messages` (test sends left out), skipped
 * from journey events.
 */
export async function messageCountsByChannelAndStatus(
  db: Executor,
): Promise<{ channel: string; status: string; count: number }[]> {
  const result = await sql<{ channel: string; status: string; count: number }>`
    SELECT channel, status, count(*)::int AS count FROM messages
    WHERE status IN ('sent', 'failed') AND idempotency_key NOT LIKE ${`${TEST_SEND_KEY_PREFIX}%`}
    GROUP BY 1, 2
    UNION ALL
    SELECT coalesce(detail->>'channel', 'unknown'), 'skipped', count(*)::int FROM journey_events WHERE type = 'message_skipped' GROUP BY 1`.execute(
    db,
  );
  return result.rows;
}
