/**
 * The report per send node: emails sent through the real messaging activities (outbox), the
 * providers' feedback recorded in message_feedback as the webhooks record it, an unsubscribe after
 * the offer, a skipped and a delayed send; and the bounce and complaint warnings, which appear
 * above their thresholds and not below.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  type SendMessageInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { recordFeedback } from '../../src/db/feedback.js';
import { formatReport } from '../../src/cli/report.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import type { CampaignResult } from '../../src/reports/types.js';
import { useTestDatabase } from '../support/db.js';
import { outboxMessagingConfig } from '../support/messaging.js';
import { REPORT_CONFIG } from './matchers.js';

const CAMPAIGN = 'low-clv';
const JOURNEYS = 12;

describe('report per send node, with provider feedback', () => {
  const database = useTestDatabase();

  const config = outboxMessagingConfig({
    signingSecret: 'a-signing-secret-of-at-least-32-characters!!',
    shop: { name: undefined, url: undefined, timezone: 'UTC', currency: 'EUR' },
  });

  function send(workflowId: string, contactId: number, step: string): Promise<SendResult> {
    const acts = createMessagingActivities({
      db: database.db,
      channels: createChannels(
        { email: config.email, sms: { provider: 'outbox', twilio: undefined } },
        database.db,
      ),
      config,
    });
    const input: SendMessageInput = {
      step,
      campaignId: CAMPAIGN,
      contactId,
      template: step === 'send_offer' ? 'low-clv-offer' : 'low-clv-reminder',
      variables: { coupon: { code: `CODE-${contactId}`, expires_at: '2026-12-31T00:00:00Z' } },
      utm: { source: 'boomerang', medium: 'email', campaign: CAMPAIGN },
      category: 'marketing',
    };
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId, runId: 'run' },
    });
    return env.run(acts.sendEmail, input) as Promise<SendResult>;
  }

  async function feedback(messageId: number, type: string) {
    const m = await database.db
      .selectFrom('messages')
      .select(['provider_message_id', 'to_address'])
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    await recordFeedback(database.db, {
      provider: 'resend',
      eventKey: `evt-${messageId}-${type}`,
      channel: 'email',
      type,
      address: m.to_address,
      providerMessageId: m.provider_message_id,
      detail: {},
      occurredAt: new Date(),
    });
  }

  const offers: number[] = [];
  const reminders: number[] = [];
  const workflows: { workflowId: string; contactId: number }[] = [];

  beforeAll(async () => {
    const db = database.db;
    await saveCampaign(db, {
      id: CAMPAIGN,
      name: 'Low CLV',
      kind: 'low_clv_coupon',
      couponSet: CAMPAIGN,
    });
    for (let i = 1; i <= JOURNEYS; i++) {
      const { id } = await db
        .insertInto('contacts')
        .values({ email: `c${i}@example.com`, first_name: 'Ada', newsletter_status: 'subscribed' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const workflowId = `${CAMPAIGN}/${id}`;
      workflows.push({ workflowId, contactId: id });
      await db
        .insertInto('journeys')
        .values({
          workflow_id: workflowId,
          campaign_id: CAMPAIGN,
          contact_id: id,
          enrolled_at: new Date(),
        })
        .execute();
      const offer = await send(workflowId, id, 'send_offer');
      if (offer.outcome !== 'sent') throw new Error(`offer not sent: ${JSON.stringify(offer)}`);
      offers.push(offer.messageId);
      if (i === 1) {
        // Unsubscribes after the offer: the reminder is skipped, the offer is charged with it.
        await db
          .updateTable('contacts')
          .set({ newsletter_status: 'unsubscribed', newsletter_unsubscribed_at: new Date() })
          .where('id', '=', id)
          .execute();
        const skipped = await send(workflowId, id, 'send_reminder');
        expect(skipped).toMatchObject({ outcome: 'skipped', reason: 'unsubscribed' });
      } else if (i <= 5) {
        const reminder = await send(workflowId, id, 'send_reminder');
        if (reminder.outcome !== 'sent') throw new Error('reminder not sent');
        reminders.push(reminder.messageId);
      }
    }
    // A reminder held by quiet hours once, before it went out.
    const held = workflows[1]!;
    await db
      .insertInto('journey_events')
      .values({
        idempotency_key: `${held.workflowId}/send_reminder:delayed:x`,
        workflow_id: held.workflowId,
        campaign_id: CAMPAIGN,
        contact_id: held.contactId,
        type: 'message_delayed',
        step: 'send_reminder',
        detail: JSON.stringify({ channel: 'email', reason: 'quiet_hours' }),
        occurred_at: new Date(),
      })
      .execute();

    for (const id of offers.slice(0, 10)) await feedback(id, 'delivered');
    for (const id of offers.slice(0, 4)) await feedback(id, 'opened');
    await feedback(offers[0]!, 'opened'); // the same message opened twice counts once
    for (const id of offers.slice(0, 2)) await feedback(id, 'clicked');
    await feedback(offers[10]!, 'bounced');
    await feedback(offers[11]!, 'soft_bounced');
    await feedback(reminders[0]!, 'delivered');
    await feedback(reminders[0]!, 'complained');
  });

  const report = async (deliverability?: { bounceRate: number; complaintRate: number }) =>
    (
      await buildReport(
        database.db,
        { ...REPORT_CONFIG, deliverability },
        parseReportOptions({ campaign: CAMPAIGN }),
      )
    ).campaigns[0]!;

  it('counts each send node: sent, delivered, bounced, complained, opened, clicked, unsubscribed, skipped, delayed', async () => {
    const c: CampaignResult = await report();
    const byNode = Object.fromEntries(c.messages.bySendNode.map((n) => [n.node, n]));
    expect(Object.keys(byNode)).toEqual(['send_offer', 'send_reminder']);
    expect(byNode.send_offer).toMatchObject({
      channel: 'email',
      inGraph: true,
      sent: JOURNEYS,
      delivered: 10,
      bounced: 1,
      softBounced: 1,
      complained: 0,
      opened: 4,
      clicked: 2,
      unsubscribed: 1,
      skipped: [],
      delayed: [],
    });
    expect(byNode.send_reminder).toMatchObject({
      sent: 4,
      delivered: 1,
      bounced: 0,
      complained: 1,
      opened: 0,
      unsubscribed: 0,
      skipped: [{ reason: 'unsubscribed', count: 1 }],
      delayed: [{ reason: 'quiet_hours', count: 1 }],
    });
    expect(c.deliverability).toMatchObject({ emailsSent: 16, bounced: 1, complained: 1 });
    expect(c.deliverability.bounceRate).toBeCloseTo(1 / 16);
  });

  it('warns when the complaint or bounce rate passes its threshold, and not below it', async () => {
    // 1 complaint and 1 hard bounce in 16 emails: 6.25% each.
    const defaults = await report();
    expect(defaults.deliverability.thresholds).toEqual({ bounceRate: 0.04, complaintRate: 0.001 });
    expect(defaults.deliverability.warnings.map((w) => w.kind).sort()).toEqual([
      'bounce_rate',
      'complaint_rate',
    ]);
    const lenient = await report({ bounceRate: 0.07, complaintRate: 0.07 });
    expect(lenient.deliverability.warnings).toEqual([]);
    const onlyBounces = await report({ bounceRate: 0.05, complaintRate: 0.07 });
    expect(onlyBounces.deliverability.warnings.map((w) => w.kind)).toEqual(['bounce_rate']);

    const text = formatReport(
      await buildReport(database.db, REPORT_CONFIG, parseReportOptions({ campaign: CAMPAIGN })),
    );
    expect(text).toMatch(/WARNING complaint rate 6\.25% \(1 of 16 emails\) is above 0\.1%/);
    expect(text).toMatch(/WARNING bounce rate 6\.25% \(1 of 16 emails\) is above 4%/);
    expect(text).toMatch(/send_offer\s+email\s+12\s+10\s+1 \(\+1 soft\)\s+0\s+4\s+2\s+1/);
  });
});
