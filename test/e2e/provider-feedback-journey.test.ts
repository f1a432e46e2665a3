/**
 * Provider feedback during real journeys, posted signed over HTTP and applied by the inbox:
 * - a hard bounce of a journey's first email stops its next email: the low-CLV reminder 7 days
 *   later is skipped as "suppressed" — the step outcome `contact trace` shows — and no second
 *   message is written;
 * - a STOP reply withdraws SMS consent before the welcome journey's SMS, which is skipped.
 */
import { describe, expect, it } from 'vitest';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { useHttpJourneyStack } from '../support/http-journeys.js';
import { until } from '../support/processes.js';
import { postResendWebhook, postTwilioWebhook } from '../support/provider-webhooks.js';

const KEY = Buffer.from('bounce-journey-webhook-key');
const TWILIO_TOKEN = 'journey-twilio-token';

describe('provider feedback during a journey', () => {
  const running = useHttpJourneyStack((config) => ({
    ...config,
    providerFeedback: {
      resendWebhookSecret: `whsec_${KEY.toString('base64')}`,
      twilioAuthToken: TWILIO_TOKEN,
      softBounces: { limit: 3, windowDays: 30 },
    },
  }));

  it('skips the reminder to the bounced address as suppressed', async () => {
    const { env, database } = running.stack;
    const config = running.stack.workers!.config;
    const db = database.db;
    const { id, workflowId, offer } = await running.lowClvJourneyPastOffer(
      'bounces@example.com',
      'bounce',
    );

    const body = JSON.stringify({
      type: 'email.bounced',
      created_at: new Date().toISOString(),
      data: {
        email_id: offer.provider_message_id,
        to: [offer.to_address],
        bounce: { type: 'Permanent', subType: 'General', message: 'no such mailbox' },
      },
    });
    const res = await postResendWebhook(running.base, body, { key: KEY, id: 'msg_bounce_journey' });
    expect(res.status).toBe(200);
    expect(
      await processInboxBatch({ db, temporal: env.client, taskQueue: config.temporal.taskQueue }),
    ).toMatchObject({ applied: 1 });

    // Awaiting the result lets the time-skipping server pass the 7-day wait.
    const result = (await env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(result.steps.find((s) => s.step === 'send_reminder')).toMatchObject({
      outcome: 'skipped: suppressed',
    });
    expect(await running.messageKeys(id)).toEqual([`${workflowId}/send_offer`]);
  }, 120_000);

  it('skips the welcome journey’s SMS once the contact replied STOP', async () => {
    const { env, database } = running.stack;
    const config = running.stack.workers!.config;
    const db = database.db;
    const phone = '+34611777001';
    const contact = await db
      .insertInto('contacts')
      .values({
        email: 'texts@example.com',
        phone,
        sms_consent: true,
        sms_consent_at: new Date(Date.now() - 86_400_000),
        newsletter_status: 'subscribed',
        registered_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await generateCoupons(db, 'welcome-stop', 3);
    const { campaign } = await saveCampaign(db, {
      id: 'welcome-stop',
      name: 'Welcome (STOP test)',
      kind: 'welcome_voucher',
      couponSet: 'welcome-stop',
    });
    const { workflowId } = await startJourney(
      { client: env.client, db, taskQueue: config.temporal.taskQueue, searchAttributes: false },
      campaign,
      contact.id,
    );
    await until(
      () =>
        db
          .selectFrom('messages')
          .select('id')
          .where('contact_id', '=', contact.id)
          .executeTakeFirst(),
      'the welcome email',
    );

    const params = { MessageSid: 'SMstopjourney', From: phone, To: '+15550000000', Body: 'STOP' };
    const res = await postTwilioWebhook(running.base, config.publicUrl!, params, TWILIO_TOKEN);
    expect(res.status).toBe(200);
    expect(
      await processInboxBatch({ db, temporal: env.client, taskQueue: config.temporal.taskQueue }),
    ).toMatchObject({ applied: 1 });

    const result = (await env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(result.steps.find((s) => s.step === 'send_reminder_sms')).toMatchObject({
      outcome: 'skipped: no_sms_consent',
    });
    expect(result.steps.find((s) => s.step === 'send_reminder')).toMatchObject({ outcome: 'sent' });
    const channels = await db
      .selectFrom('messages')
      .select('channel')
      .where('contact_id', '=', contact.id)
      .execute();
    expect(channels.map((m) => m.channel)).not.toContain('sms');
  }, 120_000);
});
