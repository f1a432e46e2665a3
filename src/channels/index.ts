/** The email and SMS providers the configuration chooses; the worker builds them once. */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { createOutboxEmailProvider, createOutboxSmsProvider } from './outbox.js';
import { createResendEmailProvider } from './resend.js';
import type { Channels } from './types.js';
import { createTwilioSmsProvider } from './twilio.js';

// The activities take the providers as this one type; the rest of the interface is in types.ts.
export type { Channels } from './types.js';

export interface ChannelOverrides {
  /** Where the Resend client sends requests (a local fake in tests). */
  resendBaseUrl?: string;
  /** Where Twilio requests go (a local fake in tests). */
  twilioBaseUrl?: string;
}

/** The settings that choose and reach the providers. */
export interface ChannelSettings {
  email: Pick<Config['email'], 'provider' | 'resendApiKey'> & Partial<Config['email']>;
  sms: Pick<Config['sms'], 'provider' | 'twilio'> & Partial<Config['sms']>;
}

export function createChannels(
  config: ChannelSettings,
  db: Db,
  overrides: ChannelOverrides = {},
): Channels {
  let email: Channels['email'];
  switch (config.email.provider) {
    case 'resend':
      if (!config.email.resendApiKey) throw new Error('EMAIL_PROVIDER=resend needs RESEND_API_KEY');
      email = createResendEmailProvider({
        apiKey: config.email.resendApiKey,
        baseUrl: overrides.resendBaseUrl ?? config.email.resendBaseUrl,
      });
      break;
    case 'outbox':
      email = createOutboxEmailProvider(db);
      break;
  }
  let sms: Channels['sms'];
  switch (config.sms.provider) {
    case 'twilio':
      if (!config.sms.twilio)
        throw new Error(
          'SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM',
        );
      sms = createTwilioSmsProvider({
        ...config.sms.twilio,
        baseUrl: overrides.twilioBaseUrl ?? config.sms.twilioBaseUrl,
      });
      break;
    case 'outbox':
      sms = createOutboxSmsProvider(db);
      break;
  }
  return { email, sms };
}
