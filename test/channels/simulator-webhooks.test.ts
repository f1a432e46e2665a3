/**
 * The provider simulator posts the providers' signed webhooks to a real Boomerang endpoint: every
 * accepted email's by its address (bounced@, complained@, anything else delivered), and a STOP
 * reply on demand — accepted, stored and applied as Resend's and Twilio's own would be.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ProviderSimulator,
  startProviderSimulator,
} from '../../src/channels/simulator/server.js';
import { autoFeedbackKind } from '../../src/channels/simulator/webhooks.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { suppressions } from '../../src/services/suppressions.js';
import { useTestEndpoint } from '../http/support.js';

const RESEND_SECRET = `whsec_${Buffer.from('simulator-webhook-key').toString('base64')}`;
const TWILIO_TOKEN = 'simulator-twilio-token';
const PUBLIC_URL = 'https://boomerang.example';

const endpoint = useTestEndpoint({
  shopifyWebhookSecret: undefined,
  publicUrl: PUBLIC_URL,
  providerFeedback: {
    resendWebhookSecret: RESEND_SECRET,
    twilioAuthToken: TWILIO_TOKEN,
    softBounces: { limit: 3, windowDays: 30 },
  },
});
let simulator: ProviderSimulator;

beforeAll(async () => {
  simulator = await startProviderSimulator({
    emailRequestsPerSecond: 0,
    webhooks: {
      url: endpoint.server.base,
      publicUrl: PUBLIC_URL,
      resendSecret: RESEND_SECRET,
      twilioAuthToken: TWILIO_TOKEN,
      auto: true,
      delayMs: 0,
    },
  });
});
afterAll(async () => {
  await simulator?.close();
});

const apply = () =>
  processInboxBatch({ db: endpoint.database.db, temporal: endpoint.temporal, taskQueue: 'unused' });
const inboxTypes = async () =>
  (
    await endpoint.database.db
      .selectFrom('inbox_events')
      .select(['source', 'type'])
      .orderBy('id')
      .execute()
  ).map((r) => `${r.source} ${r.type}`);

describe('the provider simulator posts signed webhooks', () => {
  it('chooses each email’s webhook by its address, as Resend’s test addresses', () => {
    expect(autoFeedbackKind('bounced@example.com')).toBe('bounced');
    expect(autoFeedbackKind('Ada <complained+7@example.com>')).toBe('complained');
    expect(autoFeedbackKind('soft-bounced@example.com')).toBe('soft-bounced');
    expect(autoFeedbackKind('ada@example.com')).toBe('delivered');
  });

  it('a bounce, a complaint and a delivery for the emails it accepted, a STOP on demand', async () => {
    const res = await fetch(`${simulator.url}/emails/batch`, {
      method: 'POST',
      headers: { authorization: 'Bearer re_simulated', 'content-type': 'application/json' },
      body: JSON.stringify(
        ['bounced+1@example.com', 'complained@example.com', 'ada@example.com'].map((to) => ({
          from: 'shop@example.com',
          to,
          subject: 'Hello',
          html: '<p>Hi</p>',
        })),
      ),
    });
    expect(res.status).toBe(200);
    await simulator.webhooksSettled();
    expect((await inboxTypes()).sort()).toEqual([
      'resend email_bounced',
      'resend email_complained',
      'resend email_delivered',
    ]);

    // On demand, through the control route, as `npm run simulator` offers it.
    const stop = await fetch(`${simulator.url}/_simulator/webhooks`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'inbound', from: '+34611222999', body: 'STOP' }),
    });
    expect(await stop.json()).toMatchObject({ boomerang: { status: 200 } });
    expect(simulator.stats).toMatchObject({ webhooksPosted: 4, webhookFailures: 0 });

    const contact = await endpoint.database.db
      .insertInto('contacts')
      .values({ email: 'lin@example.com', phone: '+34611222999', sms_consent: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await apply()).toMatchObject({ applied: 4, rejected: 0, failed: 0 });
    expect(
      (await suppressions(endpoint.database.db)).map((s) => `${s.address} ${s.reason}`).sort(),
    ).toEqual(['bounced+1@example.com hard_bounce', 'complained@example.com complaint']);
    const { sms_consent } = await endpoint.database.db
      .selectFrom('contacts')
      .select('sms_consent')
      .where('id', '=', contact.id)
      .executeTakeFirstOrThrow();
    expect(sms_consent).toBe(false);
  });
});
