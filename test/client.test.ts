/**
 * src/client.ts as a shop's own code uses it, on the dev server with the real workers: created
 * from the environment alone, it launches a campaign (journeys started, offers in the outbox),
 * records a purchase that ends the buyer's journey, traces the buyer, and stops the campaign.
 */
import { describe, expect, it } from 'vitest';
import {
  CampaignNotLaunchableError,
  InvalidEventError,
  UnknownContactError,
} from '../src/client.js';
import type { JourneyResult } from '../src/campaigns/journey-contract.js';
import { setCampaignStatus } from '../src/db/campaigns.js';
import { lowClvCampaign } from './support/campaigns.js';
import { seedReengageContacts } from './support/customers.js';
import { until } from './support/processes.js';
import { SHOP_ENV, useClientFromEnvironment, useStack } from './support/stack.js';

describe('the Boomerang client', () => {
  const stack = useStack({ workers: { env: SHOP_ENV, name: 'client' } });
  const boomerang = useClientFromEnvironment(stack);

  it('launches a campaign, records a purchase that ends the buyer’s journey, and stops the rest', async () => {
    const { db } = stack.database;
    const contacts = await seedReengageContacts(db, 'client-buyer', 3);
    await lowClvCampaign(db, 'client-offer', { name: 'Client offer', coupons: 5 });

    const launch = await boomerang.client.launchCampaign('client-offer', { batchSize: 2 });
    expect(launch.workflowId).toBe('launch/client-offer');
    expect(launch.progress).toMatchObject({ total: 3, started: 3, alreadyEnrolled: 0, done: true });

    // Each contact's offer, with its own coupon, in the outbox (no provider configured).
    const offers = () =>
      db
        .selectFrom('messages')
        .select(['contact_id', 'provider', 'status', 'to_address'])
        .where('campaign_id', '=', 'client-offer')
        .orderBy('contact_id')
        .execute();
    // A claimed message is 'sending' until the outbox has it: wait for all three to be delivered.
    await until(
      async () => (await offers()).filter((o) => o.status === 'sent').length === 3,
      'three offers in the outbox',
      30_000,
    );
    expect(await offers()).toEqual(
      contacts.map(({ id }, i) => ({
        contact_id: id,
        provider: 'outbox',
        status: 'sent',
        to_address: `client-buyer${i}@example.com`,
      })),
    );

    const waiting = await until(
      async () => {
        const trace = await boomerang.client.traceContact('client-buyer0@example.com');
        return trace.journeys[0]?.currentStep === 'wait' ? trace : undefined;
      },
      'the buyer’s journey to wait for a purchase',
      30_000,
    );
    expect(waiting.contact.id).toBe(contacts[0]!.id);
    expect(waiting.journeys).toMatchObject([
      {
        workflowId: `client-offer/${contacts[0]!.id}`,
        status: 'RUNNING',
        campaign: 'Client offer',
      },
    ]);

    const order = {
      email: 'client-buyer0@example.com',
      orderId: 'shop-1001',
      total: 42.5,
      placedAt: new Date(),
      eventId: 'order-1001-paid',
    };
    const purchase = await boomerang.client.recordPurchase(order);
    expect(purchase).toMatchObject({
      status: 'applied',
      duplicate: false,
      result: { type: 'purchase', contactId: contacts[0]!.id, journeysSignalled: 1 },
    });
    const bought = stack.env.client.workflow.getHandle(`client-offer/${contacts[0]!.id}`);
    expect(((await bought.result()) as JourneyResult).endReason).toBe('purchased');
    // The store sending the same event again: recognised, not applied twice.
    expect(await boomerang.client.recordPurchase(order)).toMatchObject({
      status: 'already_processed',
      duplicate: true,
    });

    const stopped = await boomerang.client.stopCampaign('client-offer');
    expect(stopped.stopped).toBe(2);
    for (const { id } of contacts.slice(1)) {
      const handle = stack.env.client.workflow.getHandle(`client-offer/${id}`);
      expect(((await handle.result()) as JourneyResult).endReason).toBe('campaign_stopped');
    }
    await expect(boomerang.client.launchCampaign('client-offer')).rejects.toThrow(
      CampaignNotLaunchableError,
    );
  }, 120_000);

  it('says what is wrong with an event, and names an unknown buyer', async () => {
    const invalid = await boomerang.client
      .recordEvent({ type: 'purchase', contact: { email: 'nobody@example.com' }, order: {} })
      .catch((err: unknown) => err);
    expect(invalid).toBeInstanceOf(InvalidEventError);
    expect((invalid as InvalidEventError).problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['order.id', 'order.total']),
    );
    await expect(
      boomerang.client.recordPurchase({ contactId: 999_999, orderId: 'x', total: 1 }),
    ).rejects.toThrow(UnknownContactError);
    await expect(boomerang.client.traceContact('nobody@example.com')).rejects.toThrow(
      'no contact with id, external id or email "nobody@example.com"',
    );
  });

  it('launches only an active campaign', async () => {
    await lowClvCampaign(stack.database.db, 'client-paused', { name: 'Paused', coupons: 1 });
    await setCampaignStatus(stack.database.db, 'client-paused', 'paused');
    await expect(boomerang.client.launchCampaign('client-paused')).rejects.toMatchObject({
      name: 'CampaignNotLaunchableError',
      reason: 'not_active',
    });
  });
});
