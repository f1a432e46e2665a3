/**
 * POST /webhooks/resend and /webhooks/twilio over real HTTP on real Postgres, through the inbox:
 * a signed bounce suppresses the address and the next email to it is skipped as "suppressed"; a
 * bad signature stores nothing; a replayed svix-id is stored once; a STOP reply withdraws SMS
 * consent so the next SMS is skipped; deliveries, opens and clicks are recorded per message.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  type SendMessageInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { suppressions, unsuppressEmail } from '../../src/services/suppressions.js';
import { API_KEY, SIGNING_SECRET, startServer, useTestEndpoint } from './support.js';
import { postResendWebhook, postTwilioWebhook } from '../support/provider-webhooks.js';
import { outboxMessagingConfig, welcomeReminderSms } from '../support/messaging.js';

const RESEND_KEY = Buffer.from('resend-webhook-test-key');
const RESEND_SECRET = `whsec_${RESEND_KEY.toString('base64')}`;
const TWILIO_TOKEN = 'twilio-test-auth-token';
const PUBLIC_URL = 'https://boomerang.example';

const endpoint = useTestEndpoint({
  publicUrl: PUBLIC_URL,
  providerFeedback: {
    resendWebhookSecret: RESEND_SECRET,
    twilioAuthToken: TWILIO_TOKEN,
    softBounces: { limit: 2, windowDays: 30 },
  },
});

beforeAll(async () => {
  await endpoint.database.db
    .insertInto('campaigns')
    .values({ id: 'welcome', kind: 'welcome_voucher', name: 'Welcome', definition: '{}' })
    .execute();
});

// --- the providers, as they sign -------------------------------------------------------------

let svixSeq = 0;
/** Posts a Resend event signed as Svix signs it (computed here, not with the code under test). */
function postResend(
  event: unknown,
  opts: { id?: string; timestamp?: number; secret?: Buffer; raw?: string } = {},
) {
  return postResendWebhook(endpoint.server.base, opts.raw ?? JSON.stringify(event), {
    key: opts.secret ?? RESEND_KEY,
    id: opts.id ?? `msg_test${++svixSeq}`,
    ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
  });
}

const resendEvent = (type: string, emailId: string, to: string, data: object = {}) => ({
  type,
  created_at: new Date().toISOString(),
  data: {
    email_id: emailId,
    from: 'Boomerang Shop <shop@example.com>',
    to: [to],
    subject: 'Your voucher',
    created_at: new Date().toISOString(),
    ...data,
  },
});

/** Posts form parameters signed as Twilio signs them. */
function postTwilio(params: Record<string, string>, opts: { token?: string } = {}) {
  return postTwilioWebhook(endpoint.server.base, PUBLIC_URL, params, opts.token ?? TWILIO_TOKEN);
}

// --- Boomerang's side ------------------------------------------------------------------------

const apply = () =>
  processInboxBatch({
    db: endpoint.database.db,
    temporal: endpoint.temporal,
    taskQueue: 'unused',
    softBounces: { limit: 2, windowDays: 30 },
  });

const config = outboxMessagingConfig({ publicUrl: PUBLIC_URL, signingSecret: SIGNING_SECRET });

function activities() {
  return createMessagingActivities({
    db: endpoint.database.db,
    channels: createChannels(
      { email: config.email, sms: { provider: 'outbox', twilio: undefined } },
      endpoint.database.db,
    ),
    config,
  });
}

let journeySeq = 0;
function run(
  activity: (input: SendMessageInput) => Promise<SendResult>,
  input: SendMessageInput,
): Promise<SendResult> {
  const env = new MockActivityEnvironment({
    workflowExecution: { workflowId: `welcome/feedback-${++journeySeq}`, runId: 'run' },
  });
  return env.run(activity, input) as Promise<SendResult>;
}

const emailInput = (contactId: number, step: string): SendMessageInput => ({
  ...welcomeReminderSms(contactId, step),
  template: 'low-clv-offer',
  utm: { source: 'boomerang', medium: 'email', campaign: 'welcome' },
});

let contactSeq = 0;
async function contact(values: { phone?: string; sms_consent?: boolean } = {}) {
  const email = `feedback${++contactSeq}@example.com`;
  const row = await endpoint.database.db
    .insertInto('contacts')
    .values({ email, first_name: 'Ada', newsletter_status: 'subscribed', ...values })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, email };
}

const inbox = () =>
  endpoint.database.db.selectFrom('inbox_events').selectAll().orderBy('id').execute();
const feedbackOf = (messageId: number) =>
  endpoint.database.db
    .selectFrom('message_feedback')
    .select(['type', 'detail'])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
async function sentMessage(contactId: number) {
  return endpoint.database.db
    .selectFrom('messages')
    .selectAll()
    .where('contact_id', '=', contactId)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
}

beforeEach(async () => {
  await endpoint.database.db.deleteFrom('inbox_events').execute();
});

describe('POST /webhooks/resend', () => {
  it('a signed hard bounce suppresses the address, and the next email to it is skipped as suppressed', async () => {
    const { id, email } = await contact();
    const acts = activities();
    expect((await run(acts.sendEmail, emailInput(id, 'send_offer'))).outcome).toBe('sent');
    const sent = await sentMessage(id);

    const res = await postResend(
      resendEvent('email.bounced', sent.provider_message_id!, email.toUpperCase(), {
        bounce: { type: 'Permanent', subType: 'General', message: 'mailbox does not exist' },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: true, type: 'email_bounced' });
    const [row] = await inbox();
    expect(row).toMatchObject({ source: 'resend', type: 'email_bounced', processed_at: null });

    const summary = await apply();
    expect(summary).toMatchObject({ applied: 1, rejected: 0, failed: 0 });
    expect(await feedbackOf(sent.id)).toMatchObject([
      { type: 'bounced', detail: { bounceType: 'Permanent', message: 'mailbox does not exist' } },
    ]);
    expect(await suppressions(endpoint.database.db)).toMatchObject([
      { channel: 'email', address: email, reason: 'hard_bounce', source: 'resend' },
    ]);

    expect(await run(acts.sendEmail, emailInput(id, 'send_reminder'))).toEqual({
      outcome: 'skipped',
      reason: 'suppressed',
    });
    const skipped = await endpoint.database.db
      .selectFrom('journey_events')
      .select(['type', 'step', 'detail'])
      .where('contact_id', '=', id)
      .where('type', '=', 'message_skipped')
      .execute();
    expect(skipped).toMatchObject([
      {
        step: 'send_reminder',
        detail: { channel: 'email', reason: 'suppressed', suppression: 'hard_bounce' },
      },
    ]);
    expect(
      await endpoint.database.db
        .selectFrom('messages')
        .select('id')
        .where('contact_id', '=', id)
        .execute(),
    ).toHaveLength(1);

    // Lifted by hand (with a reason), the address receives marketing email again.
    expect(await unsuppressEmail(endpoint.database.db, email, 'mailbox restored')).toMatchObject({
      reason: 'hard_bounce',
      liftedReason: 'mailbox restored',
    });
    expect((await run(acts.sendEmail, emailInput(id, 'send_last_call'))).outcome).toBe('sent');
    expect(await unsuppressEmail(endpoint.database.db, email, 'again')).toBeUndefined();
  });

  it('refuses a bad signature, a stale timestamp or missing headers with 401 and stores nothing', async () => {
    const event = resendEvent('email.complained', 'em_1', 'someone@example.com');
    const wrongKey = await postResend(event, { secret: Buffer.from('not the secret') });
    expect(wrongKey.status).toBe(401);
    expect(((await wrongKey.json()) as { error: string }).error).toMatch(/svix-signature/);
    const stale = await postResend(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toMatch(/5 minutes/);
    const unsigned = await fetch(`${endpoint.server.base}/webhooks/resend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(401);
    expect(await inbox()).toHaveLength(0);
    expect(await suppressions(endpoint.database.db)).not.toContainEqual(
      expect.objectContaining({ address: 'someone@example.com' }),
    );
  });

  it('stores a replayed svix-id once, and records its event once', async () => {
    const { id, email } = await contact();
    await run(activities().sendEmail, emailInput(id, 'send_offer'));
    const sent = await sentMessage(id);
    const event = resendEvent('email.delivered', sent.provider_message_id!, email);
    const first = await postResend(event, { id: 'msg_replayed' });
    const again = await postResend(event, { id: 'msg_replayed' });
    expect(await first.json()).toMatchObject({ duplicate: false });
    const second = (await again.json()) as { duplicate: boolean; id: number };
    expect(second.duplicate).toBe(true);
    expect(await inbox()).toHaveLength(1);
    await apply();
    expect(await feedbackOf(sent.id)).toMatchObject([{ type: 'delivered' }]);
  });

  it('records delivered, opened and clicked against the message the provider names', async () => {
    const { id, email } = await contact();
    await run(activities().sendEmail, emailInput(id, 'send_offer'));
    const sent = await sentMessage(id);
    for (const [type, data] of [
      ['email.delivered', {}],
      ['email.opened', {}],
      [
        'email.clicked',
        { click: { link: 'https://shop.example/?utm_source=boomerang', ipAddress: '203.0.113.9' } },
      ],
    ] as const)
      expect(
        (await postResend(resendEvent(type, sent.provider_message_id!, email, data))).status,
      ).toBe(200);
    expect((await apply()).applied).toBe(3);
    const recorded = await feedbackOf(sent.id);
    expect(recorded.map((r) => r.type)).toEqual(['delivered', 'opened', 'clicked']);
    // The link is kept; the reader's IP address is not.
    expect(recorded[2]!.detail).toEqual({ link: 'https://shop.example/?utm_source=boomerang' });
    expect(await suppressions(endpoint.database.db)).not.toContainEqual(
      expect.objectContaining({ address: email }),
    );
  });

  it('suppresses on a complaint, and after the configured number of soft bounces only', async () => {
    const complainer = await contact();
    const soft = await contact();
    await postResend(resendEvent('email.complained', 'em_c', complainer.email));
    const transient = () =>
      postResend(
        resendEvent('email.bounced', 'em_s', soft.email, {
          bounce: { type: 'Transient', subType: 'MailboxFull', message: 'mailbox full' },
        }),
      );
    await transient();
    await apply();
    const now = await suppressions(endpoint.database.db);
    expect(now).toContainEqual(
      expect.objectContaining({ address: complainer.email, reason: 'complaint' }),
    );
    expect(now).not.toContainEqual(expect.objectContaining({ address: soft.email }));
    await transient();
    await apply();
    expect(await suppressions(endpoint.database.db)).toContainEqual(
      expect.objectContaining({
        address: soft.email,
        reason: 'soft_bounces',
        detail: expect.objectContaining({ count: 2, windowDays: 30 }),
      }),
    );
  });

  it('answers 400 naming the field of a malformed event, and 200 without storing an event it does not use', async () => {
    const noTo = await postResend({ type: 'email.bounced', data: { email_id: 'em_1' } });
    expect(noTo.status).toBe(400);
    expect(((await noTo.json()) as { error: string }).error).toMatch(/^data\.to: /);
    const badJson = await postResend(undefined, { raw: '{"type":' });
    expect(badJson.status).toBe(400);
    const sentEvent = await postResend(resendEvent('email.sent', 'em_2', 'a@example.com'));
    expect(sentEvent.status).toBe(200);
    expect(await sentEvent.json()).toMatchObject({ ignored: true });
    expect(await inbox()).toHaveLength(0);
  });

  it('accepts nothing, 503, while RESEND_WEBHOOK_SECRET has no key or one too short to be secret', async () => {
    // "whsec_" alone, or text that is not base64, decodes to no key: anyone could sign with it.
    for (const [secret, key] of [
      ['whsec_', Buffer.alloc(0)],
      ['whsec_!!!!', Buffer.alloc(0)],
      ['whsec_AAAA', Buffer.alloc(3)],
    ] as const) {
      const weak = await startServer({
        db: endpoint.database.db,
        temporal: endpoint.temporal,
        config: {
          apiKey: API_KEY,
          shopifyWebhookSecret: undefined,
          signingSecret: SIGNING_SECRET,
          providerFeedback: {
            resendWebhookSecret: secret,
            twilioAuthToken: undefined,
            softBounces: { limit: 2, windowDays: 30 },
          },
        },
      });
      try {
        const event = resendEvent('email.complained', 'em_forged', 'victim@example.com');
        const forged = await postResendWebhook(weak.base, JSON.stringify(event), {
          key,
          id: `msg_forged_${secret}`,
        });
        expect(forged.status, secret).toBe(503);
        expect(((await forged.json()) as { error: string }).error).toMatch(
          /RESEND_WEBHOOK_SECRET .*key bytes/,
        );
      } finally {
        await weak.close();
      }
    }
    expect(await inbox()).toHaveLength(0);
  });

  it('answers 503 while RESEND_WEBHOOK_SECRET is not set', async () => {
    const bare = await startServer({
      db: endpoint.database.db,
      temporal: endpoint.temporal,
      config: { apiKey: API_KEY, shopifyWebhookSecret: undefined, signingSecret: SIGNING_SECRET },
    });
    try {
      const res = await fetch(`${bare.base}/webhooks/resend`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/RESEND_WEBHOOK_SECRET/);
      const sms = await fetch(`${bare.base}/webhooks/twilio`, { method: 'POST', body: '' });
      expect(sms.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe('POST /webhooks/twilio', () => {
  it('an inbound STOP withdraws SMS consent, so the next SMS is skipped for no consent', async () => {
    const phone = '+34611999001';
    const { id } = await contact({ phone, sms_consent: true });
    const acts = activities();
    expect((await run(acts.sendSms, welcomeReminderSms(id, 'send_sms'))).outcome).toBe('sent');

    const res = await postTwilio({
      MessageSid: 'SM-inbound-1',
      AccountSid: 'AC0',
      From: phone,
      To: '+15550000000',
      Body: ' stop ',
      SmsStatus: 'received',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    expect(await inbox()).toMatchObject([{ source: 'twilio', type: 'sms_opted_out' }]);
    expect((await apply()).applied).toBe(1);
    const after = await endpoint.database.db
      .selectFrom('contacts')
      .select(['sms_consent'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after.sms_consent).toBe(false);
    expect(await run(acts.sendSms, welcomeReminderSms(id, 'send_sms_again'))).toEqual({
      outcome: 'skipped',
      reason: 'no_sms_consent',
    });

    // START gives consent again, as Twilio lifts its own block.
    await postTwilio({
      MessageSid: 'SM-inbound-2',
      From: phone,
      To: '+15550000000',
      Body: 'START',
    });
    await apply();
    expect((await run(acts.sendSms, welcomeReminderSms(id, 'send_sms_third'))).outcome).toBe(
      'sent',
    );
  });

  it('records a delivered status callback against the message by MessageSid, not the steps on the way', async () => {
    const phone = '+34611999002';
    const { id } = await contact({ phone, sms_consent: true });
    await run(activities().sendSms, welcomeReminderSms(id, 'send_sms'));
    const sent = await sentMessage(id);
    for (const status of ['sent', 'delivered'])
      await postTwilio({ MessageSid: sent.provider_message_id!, MessageStatus: status, To: phone });
    expect(await inbox()).toHaveLength(1); // "sent" is a step on the way, not feedback
    await apply();
    expect(await feedbackOf(sent.id)).toMatchObject([{ type: 'delivered' }]);
  });

  it('refuses a bad signature with 401 and stores nothing; a body without From is 400', async () => {
    const params = { MessageSid: 'SM-x', From: '+34611999003', To: '+15550000000', Body: 'STOP' };
    const bad = await postTwilio(params, { token: 'another token' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: string }).error).toMatch(/X-Twilio-Signature/);
    expect(await inbox()).toHaveLength(0);
    const noFrom = await postTwilio({ MessageSid: 'SM-y', Body: 'STOP' });
    expect(noFrom.status).toBe(400);
    expect(((await noFrom.json()) as { error: string }).error).toMatch(/^From: /);
    // An ordinary reply is neither stored nor applied.
    const chat = await postTwilio({ ...params, MessageSid: 'SM-z', Body: 'Thanks!' });
    expect(chat.status).toBe(200);
    expect(await inbox()).toHaveLength(0);
  });
});
