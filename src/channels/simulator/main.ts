/**
 * `npm run simulator -- [--port 4010] [--email-rps 2] [--sms-rps 0] [--latency-ms 0]
 * [--webhook-url http://127.0.0.1:3000 --resend-webhook-secret whsec_… --twilio-auth-token T
 * [--public-url URL] [--auto-feedback]]`: the provider simulator on its own, for trying Boomerang
 * against "Resend" and "Twilio" without sending anything. Point the worker at it with
 * RESEND_BASE_URL and TWILIO_BASE_URL; with --webhook-url it posts the providers' signed webhooks
 * back to Boomerang (every email's with --auto-feedback, or one at a time via
 * POST /_simulator/webhooks).
 */
import { fileURLToPath } from 'node:url';
import { runMain } from '../../main-helpers.js';
import { startProviderSimulator } from './server.js';

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${name} must be a number ≥ 0 (got ${JSON.stringify(args[i + 1])})`);
  return value;
}

function text(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

/**
 * The settings that point Boomerang at the simulator, as its banner prints them. The webhooks'
 * secrets are the ones the simulator signs with: Boomerang verifies with the same values, so a
 * stack started from these lines accepts the webhooks the simulator posts.
 */
export function boomerangSettings(
  url: string,
  secrets: { resendWebhookSecret?: string; twilioAuthToken?: string } = {},
): string[] {
  return [
    `RESEND_BASE_URL=${url} RESEND_API_KEY=re_simulated EMAIL_PROVIDER=resend` +
      (secrets.resendWebhookSecret ? ` RESEND_WEBHOOK_SECRET=${secrets.resendWebhookSecret}` : ''),
    `TWILIO_BASE_URL=${url} SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=AC0 TWILIO_AUTH_TOKEN=${secrets.twilioAuthToken ?? 't'} TWILIO_FROM=+15550000000`,
  ];
}

export async function runSimulator(args: string[]): Promise<void> {
  const webhookUrl = text(args, 'webhook-url');
  const resendWebhookSecret = text(args, 'resend-webhook-secret');
  const twilioAuthToken = text(args, 'twilio-auth-token');
  const simulator = await startProviderSimulator({
    webhooks: webhookUrl
      ? {
          url: webhookUrl,
          resendSecret: resendWebhookSecret,
          twilioAuthToken,
          publicUrl: text(args, 'public-url'),
          auto: args.includes('--auto-feedback'),
        }
      : undefined,
    port: option(args, 'port', 4010),
    emailRequestsPerSecond: option(args, 'email-rps', 2),
    smsRequestsPerSecond: option(args, 'sms-rps', 0),
    latencyMs: option(args, 'latency-ms', 0),
  });
  const settings = boomerangSettings(simulator.url, { resendWebhookSecret, twilioAuthToken });
  console.log(`provider simulator on ${simulator.url}
${settings.map((line) => `  ${line}`).join('\n')}
  accepted messages: GET ${simulator.url}/_simulator/emails, /_simulator/sms; counts: /_simulator/stats
  faults: POST ${simulator.url}/_simulator/faults {"kind":"error","status":500,"times":3} | {"kind":"timeout"} | {"kind":"drop-after-accept"}
  webhooks${webhookUrl ? ` to ${webhookUrl}` : ' (give --webhook-url)'}: POST ${simulator.url}/_simulator/webhooks {"kind":"bounced","emailId":"…"} | {"kind":"complained","emailId":"…"} | {"kind":"inbound","from":"+34611222333","body":"STOP"}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain('simulator', () => runSimulator(process.argv.slice(2)));
}
