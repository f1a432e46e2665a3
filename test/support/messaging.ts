import type { MessagingDeps, SendMessageInput } from '../../src/activities/messaging.js';

/** The messaging activities' settings of a shop that sends to the outbox; `overrides` set the rest. */
export function outboxMessagingConfig(
  overrides: Partial<MessagingDeps['config']> = {},
): MessagingDeps['config'] {
  return {
    email: {
      provider: 'outbox',
      from: 'Boomerang Shop <shop@example.com>',
      resendApiKey: undefined,
      requestsPerSecond: 2,
      batchSize: 100,
    },
    publicUrl: 'https://boomerang.example',
    signingSecret: 'test-signing-secret',
    frequencyCap: undefined,
    shop: { name: undefined, url: undefined, timezone: 'Europe/Madrid', currency: 'EUR' },
    ...overrides,
  };
}

/** The welcome journey's SMS reminder of its voucher (WELCOME-5) to `contactId`, sent at `step`. */
export function welcomeReminderSms(
  contactId: number,
  step = 'send_reminder_sms',
): SendMessageInput {
  return {
    step,
    campaignId: 'welcome',
    contactId,
    template: 'voucher-reminder-sms',
    variables: {
      coupon: { code: 'WELCOME-5', expires_at: '2026-11-30T12:00:00.000Z' },
      shop: { url: 'https://shop.example/' },
    },
    utm: { source: 'boomerang', medium: 'sms', campaign: 'welcome' },
    category: 'marketing',
  };
}
