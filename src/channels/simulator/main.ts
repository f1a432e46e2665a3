/**
 * `npm run simulator -- [--port 4010] [--email-rps 2] [--sms-rps 0] [--latency-ms 0]`: the provider
 * simulator on its own, for trying Boomerang against "Resend" and "Twilio" without sending
 * anything. Point the worker at it with RESEND_BASE_URL and TWILIO_BASE_URL.
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

export async function runSimulator(args: string[]): Promise<void> {
  const simulator = await startProviderSimulator({
    port: option(args, 'port', 4010),
    emailRequestsPerSecond: option(args, 'email-rps', 2),
    smsRequestsPerSecond: option(args, 'sms-rps', 0),
    latencyMs: option(args, 'latency-ms', 0),
  });
  console.log(`provider simulator on ${simulator.url}
  RESEND_BASE_URL=${simulator.url} RESEND_API_KEY=re_simulated EMAIL_PROVIDER=resend
  TWILIO_BASE_URL=${simulator.url} SMS_PROVIDER=twilio TWILIO_ACCOUNT_SID=AC0 TWILIO_AUTH_TOKEN=t TWILIO_FROM=+15550000000
  accepted messages: GET ${simulator.url}/_simulator/emails, /_simulator/sms; counts: /_simulator/stats
  faults: POST ${simulator.url}/_simulator/faults {"kind":"error","status":500,"times":3} | {"kind":"timeout"} | {"kind":"drop-after-accept"}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await simulator.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain('simulator', () => runSimulator(process.argv.slice(2)));
}
