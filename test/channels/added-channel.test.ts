/**
 * A channel added from a fixture folder (test/fixtures/channels/webhook/: its adapter and its
 * settings) sends through the same path as email and SMS: consent, the frequency cap, the claim
 * under the step's idempotency key. Nothing in src knows about it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  MESSAGING_FAILURE,
  type SendOnChannelInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import { createChannelRegistry } from '../../src/channels/registry.js';
import { createWebhookChannel } from '../fixtures/channels/webhook/adapter.js';
import { webhookSettings } from '../fixtures/channels/webhook/config.js';
import { contactMaker } from '../support/customers.js';
import { useTestDatabase } from '../support/db.js';
import { useFakeHttpServer } from './fake-http.js';
import { outboxMessagingConfig } from '../support/messaging.js';

const database = useTestDatabase();
const endpoint = useFakeHttpServer();
const clock = new Date('2026-11-25T10:00:00.000Z');

const config = outboxMessagingConfig({
  signingSecret: 'added-channel-secret',
  frequencyCap: { messages: 1, periodHours: 24 },
  shop: { name: 'Boomerang Shop', url: undefined, timezone: 'Europe/Madrid', currency: 'EUR' },
});

beforeAll(async () => {
  await database.db
    .insertInto('campaigns')
    .values({ id: 'restock', kind: 'low_clv_coupon', name: 'Restock', definition: '{}' })
    .execute();
});

function activities() {
  const settings = webhookSettings({ WEBHOOK_URL: `${endpoint.url}/hooks/boomerang` });
  return createMessagingActivities({
    db: database.db,
    channels: createChannels(
      { email: { ...config.email }, sms: { provider: 'outbox', twilio: undefined } },
      database.db,
    ),
    config,
    extraChannels: [createWebhookChannel(settings)],
    now: () => clock,
  });
}

const contact = contactMaker(database, 'hook', () => ({ first_name: 'Ada' }));

function input(contactId: number, overrides: Partial<SendOnChannelInput> = {}): SendOnChannelInput {
  return {
    channel: 'webhook',
    step: 'back_in_stock',
    campaignId: 'restock',
    contactId,
    template: 'back-in-stock',
    variables: { product: { url: 'https://shop.example/p/1' } },
    utm: { source: 'boomerang', medium: 'webhook', campaign: 'restock' },
    category: 'marketing',
    ...overrides,
  };
}

/** Runs `sendMessage` as the workflow `workflowId` would. */
function run(workflowId: string, sendInput: SendOnChannelInput, send = activities()) {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'run' } });
  return env.run(send.sendMessage, sendInput) as Promise<SendResult>;
}

async function messagesOf(contactId: number) {
  return database.db
    .selectFrom('messages')
    .selectAll()
    .where('contact_id', '=', contactId)
    .execute();
}

describe('a channel added from a fixture folder', () => {
  it('POSTs the rendered message once, however often the step runs, and records it', async () => {
    const id = await contact({ first_name: 'Grace', email: 'grace@example.com' });
    endpoint.respond({ status: 202, body: { id: 'hook-1' } });
    const first = await run('restock/grace', input(id));
    const again = await run('restock/grace', input(id));

    expect(first).toEqual({ outcome: 'sent', messageId: expect.any(Number) });
    expect(again).toEqual(first);
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/boomerang' });
    expect(request!.headers['idempotency-key']).toBe('restock/grace/back_in_stock');
    expect(JSON.parse(request!.body)).toEqual({
      to: 'grace@example.com',
      text: 'Hi Grace, it is back: https://shop.example/p/1?utm_source=boomerang&utm_medium=webhook&utm_campaign=restock',
    });
    expect(await messagesOf(id)).toEqual([
      expect.objectContaining({
        channel: 'webhook',
        provider: 'webhook',
        status: 'sent',
        provider_message_id: 'hook-1',
        template: 'back-in-stock',
        idempotency_key: 'restock/grace/back_in_stock',
      }),
    ]);
    const events = await database.db
      .selectFrom('journey_events')
      .select(['type', 'detail'])
      .where('contact_id', '=', id)
      .execute();
    expect(events).toEqual([
      {
        type: 'message_sent',
        detail: expect.objectContaining({ channel: 'webhook', provider: 'webhook' }),
      },
    ]);
  });

  it('follows its consent rule: an unsubscribed contact is skipped and nothing is POSTed', async () => {
    const id = await contact({ newsletter_status: 'unsubscribed' });
    expect(await run('restock/gone', input(id))).toEqual({
      outcome: 'skipped',
      reason: 'unsubscribed',
    });
    expect(endpoint.requests).toHaveLength(0);
    expect(await messagesOf(id)).toEqual([]);
  });

  it('counts under the shop-wide frequency cap with the other channels', async () => {
    const id = await contact();
    const send = activities();
    const env = new MockActivityEnvironment({
      workflowExecution: { workflowId: 'restock/capped', runId: 'run' },
    });
    const email = await env.run(send.sendEmail, {
      ...input(id),
      step: 'send_offer',
      template: 'low-clv-offer',
      variables: { coupon: { code: 'SAVE-10', expires_at: '2026-12-07T23:30:00.000Z' } },
    });
    expect(email).toMatchObject({ outcome: 'sent' });
    expect(await run('restock/capped', input(id), send)).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
    });
    expect(endpoint.requests).toHaveLength(0);
    expect((await messagesOf(id)).map((m) => m.channel)).toEqual(['email']);
  });

  it('retries an endpoint outage under the same key; a refusal fails the message for good', async () => {
    const id = await contact();
    endpoint.respond({ status: 503, body: 'maintenance' }, { status: 200, body: {} });
    const outage = await run('restock/retry', input(id)).catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(ApplicationFailure);
    expect((outage as ApplicationFailure).nonRetryable).toBe(false);
    expect(await messagesOf(id)).toEqual([
      expect.objectContaining({ status: 'sending', error: expect.stringContaining('503') }),
    ]);
    const sent = await run('restock/retry', input(id));
    expect(sent).toMatchObject({ outcome: 'sent' });
    expect(endpoint.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'restock/retry/back_in_stock',
      'restock/retry/back_in_stock',
    ]);

    const refused = await contact();
    endpoint.respond({ status: 410, body: 'no such customer' });
    const failure = await run('restock/refused', input(refused)).catch((e: unknown) => e);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect(await messagesOf(refused)).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: 'The webhook rejected the message: no such customer',
      }),
    ]);
  });

  it('refuses a step naming a channel no adapter has, and a second adapter of a taken name', async () => {
    const id = await contact();
    const failure = await run('restock/push', input(id, { channel: 'push' })).catch(
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ type: MESSAGING_FAILURE.invalidInput, nonRetryable: true });
    expect((failure as Error).message).toMatch(
      /no channel named "push"; known: email, sms, webhook/,
    );
    const providers = createChannels(
      { email: { ...config.email }, sms: { provider: 'outbox', twilio: undefined } },
      database.db,
    );
    expect(() =>
      createChannelRegistry({ providers, config }, [
        { ...createWebhookChannel(webhookSettings({ WEBHOOK_URL: endpoint.url })), channel: 'sms' },
      ]),
    ).toThrow(/two channel adapters are named "sms"/);
  });
});
