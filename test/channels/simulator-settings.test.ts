/**
 * The simulator's banner tells the operator which settings point Boomerang at it. With
 * --twilio-auth-token and --resend-webhook-secret, those are the values its webhooks are signed
 * with, so the banner must print them: it printed TWILIO_AUTH_TOKEN=t whatever the token, and a
 * stack started from it answered every Twilio webhook 401.
 */
import { describe, expect, it } from 'vitest';
import { boomerangSettings } from '../../src/channels/simulator/main.js';

const asEnv = (lines: string[]): Record<string, string> =>
  Object.fromEntries(lines.flatMap((l) => l.split(' ')).map((kv) => kv.split('=', 2)));

describe('the simulator banner', () => {
  it('prints the webhook secrets the simulator signs with', () => {
    const env = asEnv(
      boomerangSettings('http://127.0.0.1:4010', {
        resendWebhookSecret: 'whsec_c2VjcmV0',
        twilioAuthToken: 'tok',
      }),
    );
    expect(env).toMatchObject({
      RESEND_BASE_URL: 'http://127.0.0.1:4010',
      TWILIO_BASE_URL: 'http://127.0.0.1:4010',
      RESEND_WEBHOOK_SECRET: 'whsec_c2VjcmV0',
      TWILIO_AUTH_TOKEN: 'tok',
    });
  });

  it('without webhooks, still gives Twilio the token its client requires', () => {
    const env = asEnv(boomerangSettings('http://127.0.0.1:4010'));
    expect(env.TWILIO_AUTH_TOKEN).toBe('t');
    expect(env).not.toHaveProperty('RESEND_WEBHOOK_SECRET');
  });
});
