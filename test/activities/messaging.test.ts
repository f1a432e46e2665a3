import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  type MessagingDeps,
  type SendMessageInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import type { Channel } from '../../src/channels/registry.js';
import type { Channels, EmailMessage, SendOptions, SmsMessage } from '../../src/channels/types.js';
import { checkoutTemplateVariable } from '../../src/domain/checkouts.js';
import { verifyUnsubscribeToken } from '../../src/domain/messages/unsubscribe-token.js';
import { useFakeHttpServer } from '../channels/fake-http.js';
import { contactMaker } from '../support/customers.js';
import { useTestDatabase } from '../support/db.js';
import { outboxMessagingConfig, welcomeReminderSms } from '../support/messaging.js';

const SECRET = 'messaging-test-secret';
const baseConfig = outboxMessagingConfig({ signingSecret: SECRET });
const smsConfig = { provider: 'outbox' as const, twilio: undefined };

const database = useTestDatabase();
let clock: Date;
let workflowSeq = 0;

beforeAll(async () => {
  await database.db
    .insertInto('campaigns')
    .values([
      {
        id: 'low-clv',
        kind: 'low_clv_coupon',
        name: 'Low CLV coupon',
        definition: JSON.stringify({}),
      },
      {
        id: 'welcome',
        kind: 'welcome_voucher',
        name: 'Welcome voucher',
        definition: JSON.stringify({}),
      },
    ])
    .execute();
});
beforeEach(() => {
  clock = new Date('2026-11-25T10:00:00.000Z');
});

const contact = contactMaker(database, 'contact', () => ({ first_name: 'Ada', locale: 'en-GB' }));

/** Wraps providers to count and keep what they were asked to send. */
function recording(channels: Channels) {
  const calls: {
    channel: Channel;
    message: EmailMessage | SmsMessage;
    options: SendOptions;
  }[] = [];
  const failures: Error[] = [];
  const wrapped: Channels = {
    email: {
      name: channels.email.name,
      async send(message, options) {
        calls.push({ channel: 'email', message, options });
        const failure = failures.shift();
        if (failure) throw failure;
        return channels.email.send(message, options);
      },
    },
    sms: {
      name: channels.sms.name,
      async send(message, options) {
        calls.push({ channel: 'sms', message, options });
        const failure = failures.shift();
        if (failure) throw failure;
        return channels.sms.send(message, options);
      },
    },
  };
  return { channels: wrapped, calls, failNext: (...errors: Error[]) => failures.push(...errors) };
}

function setup(config: Partial<MessagingDeps['config']> = {}, channels?: Channels) {
  const outbox = createChannels({ email: { ...baseConfig.email }, sms: smsConfig }, database.db);
  const rec = recording(channels ?? outbox);
  const activities = createMessagingActivities({
    db: database.db,
    channels: rec.channels,
    config: { ...baseConfig, ...config },
    now: () => clock,
  });
  return { activities, ...rec };
}

/** An activity environment as if started by the workflow `id`. */
function workflow(id = `low-clv/contact-${++workflowSeq}`) {
  const env = new MockActivityEnvironment({
    workflowExecution: { workflowId: id, runId: `run-${workflowSeq}` },
  });
  return {
    run: (
      activity: (input: SendMessageInput) => Promise<SendResult>,
      input: SendMessageInput,
    ): Promise<SendResult> => env.run(activity, input) as Promise<SendResult>,
  };
}

function emailInput(
  contactId: number,
  overrides: Partial<SendMessageInput> = {},
): SendMessageInput {
  return {
    step: 'send_offer',
    campaignId: 'low-clv',
    contactId,
    template: 'low-clv-offer',
    variables: {
      coupon: { code: 'SAVE-10', expires_at: '2026-12-07T23:30:00.000Z' },
      shop: { url: 'https://shop.example/' },
    },
    utm: { source: 'boomerang', medium: 'email', campaign: 'low-clv' },
    category: 'marketing',
    ...overrides,
  };
}

async function messagesOf(contactId: number) {
  return database.db
    .selectFrom('messages')
    .selectAll()
    .where('contact_id', '=', contactId)
    .orderBy('id')
    .execute();
}
async function eventsOf(contactId: number) {
  return database.db
    .selectFrom('journey_events')
    .selectAll()
    .where('contact_id', '=', contactId)
    .orderBy('id')
    .execute();
}

describe('sendEmail', () => {
  it('writes the rendered message to the outbox once, however often the step runs', async () => {
    const id = await contact({ first_name: 'Grace', email: 'grace@example.com' });
    const { activities, calls } = setup();
    const env = workflow('low-clv/grace');
    const first = await env.run(activities.sendEmail, emailInput(id));
    const again = await env.run(activities.sendEmail, emailInput(id));
    expect(first).toEqual({ outcome: 'sent', messageId: expect.any(Number) });
    expect(again).toEqual(first);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.options.idempotencyKey).toBe('low-clv/grace/send_offer');

    const rows = await messagesOf(id);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({
      id: first.outcome === 'sent' ? first.messageId : -1,
      idempotency_key: 'low-clv/grace/send_offer',
      channel: 'email',
      provider: 'outbox',
      status: 'sent',
      campaign_id: 'low-clv',
      workflow_id: 'low-clv/grace',
      template: 'low-clv-offer',
      to_address: 'grace@example.com',
      subject: 'Grace, a coupon just for you: SAVE-10',
      provider_message_id: `outbox-${row!.id}`,
      sent_at: clock,
      error: null,
    });
    // Rendered, with the coupon and its expiry in the contact's zone (the shop's: Madrid).
    expect(row!.html).toContain('SAVE-10');
    expect(row!.text).toContain('Valid until 8 December 2026');
    // Links carry the UTM tags; the unsubscribe link does not, and its token names the contact.
    expect(row!.html).toContain(
      'href="https://shop.example/?utm_source=boomerang&amp;utm_medium=email&amp;utm_campaign=low-clv"',
    );
    expect(row!.text).toContain(
      'https://shop.example/?utm_source=boomerang&utm_medium=email&utm_campaign=low-clv',
    );
    const unsubscribe = /href="(https:\/\/boomerang\.example\/unsubscribe\?token=([^"]+))"/.exec(
      row!.html!,
    );
    expect(unsubscribe).not.toBeNull();
    expect(unsubscribe![1]).not.toContain('utm_');
    const verified = verifyUnsubscribeToken(SECRET, decodeURIComponent(unsubscribe![2]!));
    expect(verified).toMatchObject({ ok: true, contactId: id });
    // The link carries its expiry: UNSUBSCRIBE_LINK_DAYS (default 365) after the send.
    if (!verified.ok) throw new Error('unreachable');
    expect(verified.expiresAt!.getTime() - verified.issuedAt.getTime()).toBe(365 * 86_400_000);
    expect(row!.headers).toEqual({
      'List-Unsubscribe': `<${unsubscribe![1]}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });

    const events = await eventsOf(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      idempotency_key: 'low-clv/grace/send_offer:message',
      workflow_id: 'low-clv/grace',
      campaign_id: 'low-clv',
      type: 'message_sent',
      step: 'send_offer',
      detail: {
        channel: 'email',
        messageId: row!.id,
        provider: 'outbox',
        template: 'low-clv-offer',
      },
    });
  });

  it('sends one message when two attempts of the step race', async () => {
    const id = await contact();
    const { activities } = setup();
    const [a, b] = await Promise.all([
      workflow('low-clv/race').run(activities.sendEmail, emailInput(id)),
      workflow('low-clv/race').run(activities.sendEmail, emailInput(id)),
    ]);
    expect(a).toEqual(b);
    expect(await messagesOf(id)).toHaveLength(1);
  });

  it('after a retryable provider failure, the retry sends the same message under the same key', async () => {
    const id = await contact();
    const { activities, calls, failNext } = setup();
    failNext(ApplicationFailure.retryable('provider is down', 'ProviderUnavailable'));
    const env = workflow('low-clv/retry');
    await expect(env.run(activities.sendEmail, emailInput(id))).rejects.toMatchObject({
      message: 'provider is down',
    });
    expect(await messagesOf(id)).toMatchObject([
      { status: 'sending', error: 'provider is down', sent_at: null },
    ]);
    expect(await eventsOf(id)).toHaveLength(0);

    clock = new Date(clock.getTime() + 60_000);
    const result = await env.run(
      activities.sendEmail,
      emailInput(id, { variables: { coupon: { code: 'CHANGED' } } }),
    );
    expect(result.outcome).toBe('sent');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.options.idempotencyKey).toBe(calls[0]!.options.idempotencyKey);
    // The recorded message is what goes out again, not a new rendering.
    expect(calls[1]!.message).toEqual(calls[0]!.message);
    expect(await messagesOf(id)).toMatchObject([{ status: 'sent', error: null, sent_at: clock }]);
  });

  it('a message the provider refuses is marked failed, and is not sent again', async () => {
    const id = await contact();
    const { activities, calls, failNext } = setup();
    failNext(
      ApplicationFailure.nonRetryable(
        'Resend rejected the message: invalid from address',
        'ProviderRejected',
      ),
    );
    const env = workflow('low-clv/refused');
    await expect(env.run(activities.sendEmail, emailInput(id))).rejects.toMatchObject({
      nonRetryable: true,
      type: 'ProviderRejected',
    });
    expect(await messagesOf(id)).toMatchObject([
      { status: 'failed', error: 'Resend rejected the message: invalid from address' },
    ]);
    expect(await eventsOf(id)).toMatchObject([
      {
        type: 'message_failed',
        detail: { channel: 'email', error: 'Resend rejected the message: invalid from address' },
      },
    ]);

    await expect(env.run(activities.sendEmail, emailInput(id))).rejects.toMatchObject({
      nonRetryable: true,
      type: 'MessagePreviouslyFailed',
    });
    expect(calls).toHaveLength(1);
  });

  it('withholds a control-group message after the same consent checks, writing nothing to send', async () => {
    const subscribed = await contact({});
    const never = await contact({ newsletter_status: 'never' });
    const { activities, calls } = setup();
    expect(
      await workflow('low-clv/held').run(activities.sendEmail, {
        ...emailInput(subscribed),
        withhold: true,
      }),
    ).toEqual({ outcome: 'skipped', reason: 'holdout' });
    expect(
      await workflow().run(activities.sendEmail, { ...emailInput(never), withhold: true }),
    ).toEqual({ outcome: 'skipped', reason: 'not_subscribed' });
    expect(calls).toHaveLength(0);
    expect(
      await database.db
        .selectFrom('messages')
        .select('id')
        .where('contact_id', 'in', [subscribed, never])
        .execute(),
    ).toEqual([]);
  });

  it('skips an unsubscribed contact, records why, and writes no message', async () => {
    const unsubscribed = await contact({ newsletter_status: 'unsubscribed' });
    const never = await contact({ newsletter_status: 'never' });
    const noEmail = await contact({ email: null });
    const { activities, calls } = setup();
    expect(
      await workflow('low-clv/unsub').run(activities.sendEmail, emailInput(unsubscribed)),
    ).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
    expect(await workflow().run(activities.sendEmail, emailInput(never))).toEqual({
      outcome: 'skipped',
      reason: 'not_subscribed',
    });
    expect(await workflow().run(activities.sendEmail, emailInput(noEmail))).toEqual({
      outcome: 'skipped',
      reason: 'no_email',
    });
    expect(calls).toHaveLength(0);
    for (const id of [unsubscribed, never, noEmail]) expect(await messagesOf(id)).toHaveLength(0);
    expect(await eventsOf(unsubscribed)).toMatchObject([
      {
        idempotency_key: 'low-clv/unsub/send_offer:message',
        workflow_id: 'low-clv/unsub',
        campaign_id: 'low-clv',
        type: 'message_skipped',
        step: 'send_offer',
        detail: { channel: 'email', reason: 'unsubscribed', newsletterStatus: 'unsubscribed' },
      },
    ]);
    expect(await eventsOf(noEmail)).toMatchObject([
      { type: 'message_skipped', detail: { channel: 'email', reason: 'no_email' } },
    ]);
  });

  it('skips a contact that does not exist', async () => {
    const { activities } = setup();
    expect(await workflow().run(activities.sendEmail, emailInput(987654321))).toEqual({
      outcome: 'skipped',
      reason: 'contact_not_found',
    });
    expect(await eventsOf(987654321)).toMatchObject([
      { type: 'message_skipped', detail: { reason: 'contact_not_found' } },
    ]);
  });

  it("writes dates in the contact's own locale and time zone", async () => {
    const id = await contact({ locale: 'es_ES', timezone: 'America/New_York' });
    const { activities } = setup();
    await workflow().run(
      activities.sendEmail,
      emailInput(id, {
        template: {
          subject: 'Vence el {{ coupon.expires_at | format_date }}',
          html: '<a href="{{ unsubscribe_url }}">baja</a>',
        },
      }),
    );
    const [row] = await messagesOf(id);
    // 23:30Z on 7 December is still the 7th in New York.
    expect(row).toMatchObject({ subject: 'Vence el 7 de diciembre de 2026', template: 'inline' });
  });

  it("writes a checkout's prices in the contact's locale; a checkout built without amounts as it came", async () => {
    const checkout = checkoutTemplateVariable(
      {
        checkout_id: 'c-1',
        currency: 'EUR',
        total: 1234.5,
        line_items: [{ title: 'Boots', quantity: 2, price: 617.25 }],
      },
      { source: 'boomerang', medium: 'email', campaign: 'cart' },
    );
    const template = {
      subject: 'Total {{ checkout.total }}',
      html: '{% for item in checkout.items %}{{ item.price }} × {{ item.quantity }}{% endfor %}<a href="{{ unsubscribe_url }}">x</a>',
    };
    const { activities } = setup();
    const send = async (locale: string, variables: Record<string, unknown>) => {
      const id = await contact({ locale });
      await workflow().run(activities.sendEmail, emailInput(id, { template, variables }));
      const [row] = await messagesOf(id);
      return { subject: row!.subject, items: row!.html!.split('<a')[0] };
    };
    expect(await send('de_DE', { checkout })).toEqual({
      // German writes a no-break space before the sign.
      subject: 'Total 1.234,50\u00a0€',
      items: '617,25\u00a0€ × 2',
    });
    expect(await send('en-GB', { checkout })).toEqual({
      subject: 'Total €1,234.50',
      items: '€617.25 × 2',
    });
    // A journey started before the amounts were added passes the English strings alone.
    const withoutAmounts = { ...checkout, total_amount: undefined };
    expect(await send('de_DE', { checkout: withoutAmounts })).toMatchObject({
      subject: 'Total €1,234.50',
    });
  });

  it('fails for good without a signing secret, saying which variable to set', async () => {
    const id = await contact();
    const { activities, calls } = setup({ signingSecret: undefined });
    const error = await workflow()
      .run(activities.sendEmail, emailInput(id))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({
      nonRetryable: true,
      type: 'MissingSigningSecret',
      message: expect.stringContaining('BOOMERANG_SIGNING_SECRET'),
    });
    expect(calls).toHaveLength(0);
    expect(await messagesOf(id)).toHaveLength(0);
  });

  it('fails for good on an unknown template or a template that does not render', async () => {
    const id = await contact();
    const { activities } = setup();
    await expect(
      workflow().run(activities.sendEmail, emailInput(id, { template: 'no-such-template' })),
    ).rejects.toMatchObject({ nonRetryable: true, type: 'UnknownTemplate' });
    await expect(
      workflow().run(activities.sendEmail, emailInput(id, { template: { body: 'an SMS' } })),
    ).rejects.toMatchObject({ nonRetryable: true, type: 'InvalidMessageInput' });
    await expect(
      workflow().run(
        activities.sendEmail,
        emailInput(id, { template: { subject: 'x', html: '{% if %}' } }),
      ),
    ).rejects.toMatchObject({
      nonRetryable: true,
      type: 'TemplateError',
      message: expect.stringContaining('html, line 1, column 6: invalid value expression'),
    });
    expect(await messagesOf(id)).toHaveLength(0);
  });

  it('fails for good for a campaign that does not exist', async () => {
    const id = await contact();
    const { activities } = setup();
    await expect(
      workflow().run(activities.sendEmail, emailInput(id, { campaignId: 'no-such-campaign' })),
    ).rejects.toMatchObject({
      nonRetryable: true,
      message: 'campaign "no-such-campaign" does not exist',
    });
  });
});

describe('sendSms', () => {
  it('sends to an E.164 phone with SMS consent, through the outbox', async () => {
    const id = await contact({ phone: '+34611222333', sms_consent: true, first_name: 'Lin' });
    const { activities, calls } = setup();
    const env = workflow('welcome/lin');
    const result = await env.run(activities.sendSms, welcomeReminderSms(id));
    expect(await env.run(activities.sendSms, welcomeReminderSms(id))).toEqual(result);
    expect(calls).toHaveLength(1);
    const [row] = await messagesOf(id);
    expect(row).toMatchObject({
      channel: 'sms',
      status: 'sent',
      to_address: '+34611222333',
      subject: null,
      html: null,
      template: 'voucher-reminder-sms',
    });
    expect(row!.text).toBe(
      'Boomerang Shop: Hi Lin, your voucher WELCOME-5 expires on 30 Nov 2026. Use it at checkout: https://shop.example/?utm_source=boomerang&utm_medium=sms&utm_campaign=welcome. Reply STOP to opt out.',
    );
    expect(await eventsOf(id)).toMatchObject([
      { type: 'message_sent', detail: { channel: 'sms' } },
    ]);
  });

  it('skips a contact without a phone or without SMS consent', async () => {
    const noPhone = await contact({ phone: null, sms_consent: true });
    const noConsent = await contact({ phone: '+34611222334', sms_consent: false });
    const { activities, calls } = setup();
    expect(await workflow().run(activities.sendSms, welcomeReminderSms(noPhone))).toEqual({
      outcome: 'skipped',
      reason: 'no_phone',
    });
    expect(await workflow().run(activities.sendSms, welcomeReminderSms(noConsent))).toEqual({
      outcome: 'skipped',
      reason: 'no_sms_consent',
    });
    expect(calls).toHaveLength(0);
    expect(await messagesOf(noPhone)).toHaveLength(0);
    expect(await messagesOf(noConsent)).toHaveLength(0);
    expect(await eventsOf(noPhone)).toMatchObject([
      { type: 'message_skipped', detail: { channel: 'sms', reason: 'no_phone' } },
    ]);
    expect(await eventsOf(noConsent)).toMatchObject([
      { type: 'message_skipped', detail: { channel: 'sms', reason: 'no_sms_consent' } },
    ]);
  });

  it('does not need a signing secret (SMS opt-out is "Reply STOP")', async () => {
    const id = await contact({ phone: '+34611222335', sms_consent: true });
    const { activities } = setup({ signingSecret: undefined });
    expect((await workflow().run(activities.sendSms, welcomeReminderSms(id))).outcome).toBe('sent');
  });
});

describe('the shop-wide frequency cap', () => {
  it('skips the message over N in the period, across campaigns and channels, and lets one through once the period has moved on', async () => {
    const id = await contact({ phone: '+34611222336', sms_consent: true });
    const { activities } = setup({ frequencyCap: { messages: 2, periodHours: 24 } });
    const lowClv = workflow('low-clv/capped');
    const welcome = workflow('welcome/capped');

    expect(
      (await lowClv.run(activities.sendEmail, emailInput(id, { step: 'send_offer' }))).outcome,
    ).toBe('sent');
    clock = new Date(clock.getTime() + 3_600_000);
    expect(
      (
        await welcome.run(
          activities.sendEmail,
          emailInput(id, {
            step: 'send_welcome',
            campaignId: 'welcome',
            template: 'welcome-offer',
          }),
        )
      ).outcome,
    ).toBe('sent');
    clock = new Date(clock.getTime() + 3_600_000);
    expect(
      await welcome.run(activities.sendSms, {
        ...emailInput(id),
        step: 'send_sms',
        campaignId: 'welcome',
        template: 'voucher-reminder-sms',
      }),
    ).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
    });
    expect(
      await lowClv.run(activities.sendEmail, emailInput(id, { step: 'send_reminder' })),
    ).toEqual({ outcome: 'skipped', reason: 'frequency_cap' });
    expect(await messagesOf(id)).toHaveLength(2);
    const skipped = (await eventsOf(id)).filter((e) => e.type === 'message_skipped');
    expect(skipped).toMatchObject([
      {
        step: 'send_sms',
        detail: {
          channel: 'sms',
          reason: 'frequency_cap',
          sentInPeriod: 2,
          nextAllowedAt: '2026-11-26T10:00:00.000Z',
        },
      },
      { step: 'send_reminder', detail: { channel: 'email', reason: 'frequency_cap' } },
    ]);

    // A retry of a capped step stays skipped, even when the cap would now let it through.
    clock = new Date('2026-11-26T10:00:00.000Z');
    expect(
      await lowClv.run(activities.sendEmail, emailInput(id, { step: 'send_reminder' })),
    ).toEqual({ outcome: 'skipped', reason: 'frequency_cap' });
    // A new step, 24 hours after the first message: one more fits.
    expect(
      (await lowClv.run(activities.sendEmail, emailInput(id, { step: 'send_third' }))).outcome,
    ).toBe('sent');
    expect(await lowClv.run(activities.sendEmail, emailInput(id, { step: 'send_fourth' }))).toEqual(
      { outcome: 'skipped', reason: 'frequency_cap' },
    );
  });

  it('lets exactly one through when two campaigns reach the contact at the same moment', async () => {
    const id = await contact();
    const { activities } = setup({ frequencyCap: { messages: 1, periodHours: 24 } });
    const results = await Promise.all([
      workflow('low-clv/same-moment').run(activities.sendEmail, emailInput(id)),
      workflow('welcome/same-moment').run(
        activities.sendEmail,
        emailInput(id, { campaignId: 'welcome', step: 'send_welcome', template: 'welcome-offer' }),
      ),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['sent', 'skipped']);
    expect(await messagesOf(id)).toHaveLength(1);
  });

  it('does not count a message against itself when its step is retried', async () => {
    const id = await contact();
    const { activities, failNext } = setup({ frequencyCap: { messages: 1, periodHours: 24 } });
    const env = workflow();
    failNext(ApplicationFailure.retryable('down', 'ProviderUnavailable'));
    await expect(env.run(activities.sendEmail, emailInput(id))).rejects.toThrow('down');
    expect((await env.run(activities.sendEmail, emailInput(id))).outcome).toBe('sent');
  });
});

describe('with Resend (a local fake Resend)', () => {
  const resend = useFakeHttpServer();

  it('sends the step key as the idempotency key and the List-Unsubscribe headers, and records the Resend id', async () => {
    const id = await contact();
    const channels = createChannels(
      {
        email: { provider: 'resend', from: baseConfig.email.from, resendApiKey: 're_test' },
        sms: smsConfig,
      },
      database.db,
      { resendBaseUrl: resend.url },
    );
    const { activities } = setup({}, channels);
    resend.respond({ status: 200, body: { id: 'resend-id-1' } });
    const result = await workflow('low-clv/resend').run(activities.sendEmail, emailInput(id));
    expect(result.outcome).toBe('sent');
    const [row] = await messagesOf(id);
    expect(row).toMatchObject({
      provider: 'resend',
      provider_message_id: 'resend-id-1',
      status: 'sent',
    });
    const [req] = resend.requests;
    expect(req!.headers['idempotency-key']).toBe('low-clv/resend/send_offer');
    const body = JSON.parse(req!.body) as {
      headers: Record<string, string>;
      html: string;
      text: string;
      to: string;
    };
    expect(body.headers).toEqual(row!.headers);
    expect(body.headers['List-Unsubscribe']).toMatch(
      /^<https:\/\/boomerang\.example\/unsubscribe\?token=.+>$/,
    );
    expect(body.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(body).toMatchObject({ html: row!.html, text: row!.text, to: row!.to_address });
  });
});
