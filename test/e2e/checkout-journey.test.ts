/**
 * The abandoned-checkout journey end to end on the dev server, with the real workers, the HTTP
 * endpoint and the inbox processor it wakes: a signed Shopify checkouts/create webhook starts one
 * journey; after the first wait (seconds here) one email shows that checkout's items and its
 * recovery link; a checkouts/update changes the items of the next email; a signed orders/create
 * carrying the checkout's token ends the journey within a second, the checkout completed by it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { findCheckout } from '../../src/db/checkouts.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { type InboxProcessor, startInboxProcessor } from '../../src/inbox/processor.js';
import { deliverShopify, type RunningServer } from '../http/support.js';
import { type InboxHarness, startInboxHarness } from '../inbox/harness.js';
import { until } from '../support/processes.js';

const FLOW = 'abandoned-checkout';
const TOKEN = 'b1946ac92492d2347c6235b4d2611184';
const RECOVERY = `https://shop.example/checkouts/${TOKEN}/recover?key=k1`;

const line = (id: number, title: string, price: string) => ({
  product_id: id,
  variant_id: id + 1,
  title,
  variant_title: 'Blue',
  quantity: 1,
  price,
  image_url: `https://cdn.example/${id}.jpg`,
});

const shopifyCheckout = (lines: unknown[], updatedAt: Date) => ({
  token: TOKEN,
  email: 'shopper@example.com',
  buyer_accepts_marketing: true,
  created_at: new Date(updatedAt.getTime() - 60_000).toISOString(),
  updated_at: updatedAt.toISOString(),
  completed_at: null,
  currency: 'EUR',
  total_price: '35.00',
  abandoned_checkout_url: RECOVERY,
  customer: { id: 207119551, email: 'shopper@example.com', first_name: 'Sam' },
  line_items: lines,
});

describe('an abandoned checkout from Shopify, end to end', () => {
  let h: InboxHarness;
  let processor: InboxProcessor;
  let server: RunningServer;

  const deliver = async (topic: string, payload: unknown, webhookId: string) => {
    const res = await deliverShopify(server.base, topic, JSON.stringify(payload), webhookId);
    expect(res.status).toBe(200);
    return (await res.json()) as { duplicate: boolean };
  };
  const emails = () =>
    h.database.db
      .selectFrom('messages')
      .select(['html', 'status', 'contact_id'])
      .where('campaign_id', '=', FLOW)
      .where('channel', '=', 'email')
      .orderBy('id')
      .execute();
  const sentEmails = async (n: number) =>
    until(
      async () => {
        const sent = (await emails()).filter((m) => m.status === 'sent');
        return sent.length >= n ? sent : undefined;
      },
      `${n} email(s) of the checkout journey sent`,
      30_000,
    );

  beforeAll(async () => {
    h = await startInboxHarness('checkout-e2e');
    const { db } = h.database;
    await generateCoupons(db, 'abandoned-checkout', 5, { prefix: 'CART-' });
    // The example flow, its waits in seconds; its order exit is the checkout's own completion.
    const flow = parseYaml(
      await readFile(path.join(PROJECT_ROOT, 'examples/flows/abandoned-checkout.yaml'), 'utf8'),
    ) as { exitWhen: unknown; nodes: Record<string, { duration?: string }> };
    flow.exitWhen = { events: ['checkout_completed', 'checkout_deleted'] };
    flow.nodes['wait-1h']!.duration = '2 seconds';
    flow.nodes['wait-23h']!.duration = '6 seconds';
    flow.nodes['wait-2d']!.duration = '1 hour';
    await createCheckedCampaign(db, flow);
    processor = startInboxProcessor(h.deps, {
      intervalMs: 200,
      log: { info: () => {}, warn: (l) => console.warn(l) },
    });
    server = await h.startServer({ onEventsAccepted: () => processor.kick() });
  }, 120_000);
  afterAll(async () => {
    await processor?.stop();
    await server?.close();
    await h?.teardown();
  });

  it('emails the checkout’s items, then its updated items, and ends within a second of the order', async () => {
    const { db } = h.database;
    const created = shopifyCheckout([line(632910392, 'IPod Nano', '35.00')], new Date());
    expect(await deliver('checkouts/create', created, 'w-create')).toMatchObject({
      duplicate: false,
    });
    expect(await deliver('checkouts/create', created, 'w-create')).toMatchObject({
      duplicate: true,
    });

    const [first] = await sentEmails(1);
    const contactId = first!.contact_id;
    const workflowId = `${FLOW}/${contactId}/key/${TOKEN}`;
    const journeys = await db.selectFrom('journeys').select('workflow_id').execute();
    expect(journeys.filter((j) => j.workflow_id.startsWith(`${FLOW}/`))).toEqual([
      { workflow_id: workflowId },
    ]);
    expect(first!.html).toContain('IPod Nano (Blue) × 1');
    expect(first!.html).toContain('€35.00');
    expect(first!.html).toContain('https://cdn.example/632910392.jpg');
    expect(first!.html).toContain(
      `href="${RECOVERY.replace('?key=k1', '?key=k1&amp;utm_source=boomerang&amp;utm_medium=email&amp;utm_campaign=abandoned-checkout')}"`,
    );

    // The shopper changes the cart before the second email.
    const updated = shopifyCheckout(
      [line(632910392, 'IPod Nano', '35.00'), line(700, 'Teapot', '20.00')],
      new Date(),
    );
    await deliver('checkouts/update', updated, 'w-update');
    const [, second] = await sentEmails(2);
    expect(second!.html).toContain('Teapot × 1');
    expect(second!.html).toMatch(/CART-\w+/);
    expect(first!.html).not.toContain('Teapot');
    await h.journeyAt(workflowId, 'wait-2d');

    const order = {
      id: 450789469,
      email: 'shopper@example.com',
      created_at: new Date().toISOString(),
      currency: 'EUR',
      total_price: '55.00',
      financial_status: 'paid',
      checkout_token: TOKEN,
      customer: { id: 207119551, email: 'shopper@example.com' },
    };
    const sentAt = Date.now();
    await deliver('orders/create', order, 'w-order');
    const result = (await h.env.client.workflow.getHandle(workflowId).result()) as JourneyResult;
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(result.endReason).toBe('checkout_completed');
    expect((await emails()).length).toBe(2);

    const stored = await findCheckout(db, 'shopify', TOKEN);
    const placed = await db
      .selectFrom('orders')
      .select(['id', 'checkout_id'])
      .where('external_id', '=', '450789469')
      .executeTakeFirstOrThrow();
    expect(placed.checkout_id).toBe(TOKEN);
    expect(stored).toMatchObject({ orderId: placed.id, completedAt: expect.any(Date) });
  }, 120_000);
});
