import type { MessagingDeps } from '../../src/activities/messaging.js';

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
