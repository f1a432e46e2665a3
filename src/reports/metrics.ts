/**
 * Boomerang's metrics for Prometheus, computed from Postgres on each scrape with a few aggregate
 * queries: journeys started and ended per campaign, messages per channel and status, coupon pools,
 * inbox events per state, the journeys waiting in the start queue.
 * The "_total" counters count rows, so they only go down if rows are deleted.
 */
import { CHANNELS } from '../channels/registry.js';
import { couponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';
import { countInboxByState, INBOX_STATES } from '../db/inbox.js';
import { startCountsByState, startQueueStatus } from '../db/start-queue.js';
import {
  journeysEndedPerCampaignAndReason,
  journeysStartedPerCampaign,
  messageCountsByChannelAndStatus,
} from '../db/reports.js';
import type { MetricFamily } from './prometheus.js';

const STATUSES = ['sent', 'failed', 'skipped'] as const;

export async function collectMetrics(db: Db, now = new Date()): Promise<MetricFamily[]> {
  const started = await journeysStartedPerCampaign(db);
  const completed = await journeysEndedPerCampaignAndReason(db);
  const messages = await messageCountsByChannelAndStatus(db);
  const pools = await couponSetStatus(db, now);
  const inbox = await countInboxByState(db);
  const starts = await startQueueStatus(db);

  // Every channel × status appears, at 0 when nothing happened yet: rate() needs the series to exist.
  const messageCounts = new Map<string, number>();
  for (const channel of CHANNELS)
    for (const status of STATUSES) messageCounts.set(`${channel}\u0000${status}`, 0);
  for (const row of messages) {
    const key = `${row.channel}\u0000${row.status}`;
    messageCounts.set(key, (messageCounts.get(key) ?? 0) + row.count);
  }

  return [
    {
      name: 'boomerang_journeys_started_total',
      help: 'Journeys started (contacts enrolled), per campaign, held-out journeys included.',
      type: 'counter',
      samples: started.map((r) => ({ labels: { campaign: r.campaign }, value: r.count })),
    },
    {
      name: 'boomerang_journeys_completed_total',
      help: 'Journeys that ended, per campaign and end reason (completed, purchased, not_in_segment, ...).',
      type: 'counter',
      samples: completed.map((r) => ({
        labels: { campaign: r.campaign, reason: r.reason },
        value: r.count,
      })),
    },
    {
      name: 'boomerang_messages_total',
      help: 'Campaign messages per channel and status: sent and failed from the messages table, skipped (consent, frequency cap, ...) from the journey events.',
      type: 'counter',
      samples: [...messageCounts.entries()].map(([key, value]) => {
        const [channel, status] = key.split('\u0000') as [string, string];
        return { labels: { channel, status }, value };
      }),
    },
    {
      name: 'boomerang_inbox_events',
      help: 'Store events in the inbox per state: pending (waiting to be applied), parked (failed too often: see boomerang inbox list), applied, rejected.',
      type: 'gauge',
      samples: INBOX_STATES.map((state) => ({ labels: { state }, value: inbox[state] })),
    },
    {
      name: 'boomerang_journey_starts_queued',
      help: 'Journeys applied events entered, in the start queue: waiting for a starter, failing (their last start failed; they are retried), parked (failed too often: see boomerang inbox starts), held (their campaign is paused; they start when it is resumed).',
      type: 'gauge',
      samples: Object.entries(startCountsByState(starts)).map(([state, value]) => ({
        labels: { state },
        value,
      })),
    },
    {
      name: 'boomerang_journey_starts_oldest_age_seconds',
      help: 'How long the oldest journey in the start queue has waited, parked and held ones aside (0 when none waits).',
      type: 'gauge',
      samples: [
        {
          labels: {},
          value: starts.oldestEnqueuedAt
            ? Math.max(0, (now.getTime() - starts.oldestEnqueuedAt.getTime()) / 1000)
            : 0,
        },
      ],
    },
    {
      name: 'boomerang_coupons_available',
      help: 'Unassigned, unexpired codes per coupon set.',
      type: 'gauge',
      samples: pools.map((p) => ({ labels: { set: p.setId }, value: p.available })),
    },
    {
      name: 'boomerang_coupon_pool_low',
      help: '1 when a coupon set has fewer available codes than its low_stock_threshold, else 0.',
      type: 'gauge',
      samples: pools.map((p) => ({ labels: { set: p.setId }, value: p.low ? 1 : 0 })),
    },
  ];
}
