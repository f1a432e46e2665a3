/**
 * Checkout events over real HTTP, applied by the inbox processor with the real workers and the
 * example abandoned-checkout flow: validated and de-duplicated as the other events; a checkout
 * without a contact, an email or consent kept and starting nothing (until an update names a
 * consenting contact); one journey per contact per 7 days across checkouts; a deletion, or a
 * completion the store states (the order's webhook never coming), ending the journey at once; an
 * order received before its checkout completing it on arrival.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import type { JourneyResult } from '../../src/campaigns/journey-contract.js';
import { validateCampaign } from '../../src/campaigns/validate.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { findCheckout } from '../../src/db/checkouts.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { checkoutEvent as checkout, type InboxHarness, startInboxHarness } from './harness.js';

const FLOW = 'abandoned-checkout';
const example = async (name: string) =>
  parseYaml(await readFile(path.join(PROJECT_ROOT, 'examples', 'flows', name), 'utf8')) as unknown;

describe('checkout events', () => {
  let h: InboxHarness;
  const contact = async (email: string, newsletter: 'subscribed' | 'never') =>
    (
      await h.database.db
        .insertInto('contacts')
        .values({ email, newsletter_status: newsletter })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  const apply = async () => {
    const applied = await processInboxBatch(h.deps);
    expect(applied.failed + applied.rejected).toBe(0);
    return applied.outcomes.map((o) => o.result);
  };
  const journeysOf = (contactId: number) =>
    h.database.db
      .selectFrom('journeys')
      .select('workflow_id')
      .where('campaign_id', '=', FLOW)
      .where('contact_id', '=', contactId)
      .execute();
  const endOf = async (workflowId: string) =>
    ((await h.env.client.workflow.getHandle(workflowId).result()) as JourneyResult).endReason;

  beforeAll(async () => {
    h = await startInboxHarness('checkouts');
    const { db } = h.database;
    await generateCoupons(db, 'abandoned-checkout', 10, { prefix: 'CART-' });
    // The example flows pass `campaign validate`: the abandoned-checkout one, created, and then
    // the browse-abandonment one, whose branch names it.
    const abandoned = await example('abandoned-checkout.yaml');
    expect((await validateCampaign(db, abandoned)).problems).toEqual([]);
    await createCheckedCampaign(db, abandoned);
    const browse = await example('browse-abandonment.yaml');
    expect((await validateCampaign(db, browse)).problems).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await h?.teardown();
  });

  it('refuses a bad checkout naming each field (400), and keeps an event_id once', async () => {
    const bad = await h.postEvent(
      checkout('checkout_started', 'c-bad', 'ada@example.com', {
        total: 'twenty',
        line_items: [{ product_id: 'p1', title: '', quantity: 1, price: 20 }],
      }),
    );
    expect(bad.status).toBe(400);
    expect(
      (bad.body as unknown as { problems: { path: string }[] }).problems.map((p) => p.path),
    ).toEqual(['checkout.total', 'checkout.line_items[0].title']);

    const event = { ...checkout('checkout_started', 'c-once', undefined), event_id: 'e-1' };
    const first = await h.postEvent(event);
    expect(first).toMatchObject({ status: 202, body: { duplicate: false } });
    const again = await h.postEvent(event);
    expect(again).toMatchObject({ status: 202, body: { duplicate: true, id: first.body.id } });
    await apply();
  });

  it('keeps a checkout without email or consent and starts nothing, until an update names a consenting contact', async () => {
    const never = await contact('never@example.com', 'never');
    const ada = await contact('ada@example.com', 'subscribed');
    await h.postEvent(checkout('checkout_started', 'guest-1', undefined));
    await h.postEvent(checkout('checkout_started', 'no-consent-1', 'never@example.com'));
    expect(await apply()).toMatchObject([
      {
        type: 'checkout_started',
        contactId: null,
        journeys: [],
        startsNothing: expect.any(String),
      },
      {
        type: 'checkout_started',
        contactId: never,
        journeys: [],
        startsNothing: 'the contact has no email consent',
      },
    ]);
    expect(await findCheckout(h.database.db, 'api', 'guest-1')).toMatchObject({
      contactId: null,
      lineItems: [{ title: 'Mug' }],
    });
    expect(await journeysOf(never)).toEqual([]);

    // The guest types the email of a subscribed contact: the checkout's journey starts now.
    await h.postEvent(checkout('checkout_updated', 'guest-1', 'ada@example.com'));
    const [updated] = await apply();
    const workflowId = `${FLOW}/${ada}/key/guest-1`;
    expect(updated).toMatchObject({
      contactId: ada,
      journeys: [{ workflowId, outcome: 'started' }],
    });
    await h.journeyAt(workflowId, 'wait-1h');

    // Deleted by the store: the journey ends at once, during its wait.
    await h.postEvent({ type: 'checkout_deleted', checkout: { id: 'guest-1' } });
    expect(await apply()).toMatchObject([{ type: 'checkout_deleted', journeysSignalled: 1 }]);
    expect(await endOf(workflowId)).toBe('checkout_deleted');
  }, 60_000);

  it('starts one journey per contact per 7 days, whatever the checkout', async () => {
    const bea = await contact('bea@example.com', 'subscribed');
    for (const id of ['b-1', 'b-2', 'b-3'])
      await h.postEvent(checkout('checkout_started', id, 'bea@example.com'));
    const results = await apply();
    expect(
      results.map((r) =>
        r?.type === 'checkout_started' ? r.journeys.map((j) => j.outcome) : undefined,
      ),
    ).toEqual([['started'], ['already_enrolled'], ['already_enrolled']]);
    // The checkouts turned away name the journey that holds the contact's entry.
    expect(
      results.map((r) => (r?.type === 'checkout_started' ? r.journeys[0]!.workflowId : undefined)),
    ).toEqual([1, 2, 3].map(() => `${FLOW}/${bea}/key/b-1`));
    expect(await journeysOf(bea)).toEqual([{ workflow_id: `${FLOW}/${bea}/key/b-1` }]);
    // Still one after the first has ended: at most once per 7 days.
    await h.postEvent(
      checkout('checkout_updated', 'b-1', 'bea@example.com', {
        completed_at: new Date().toISOString(),
      }),
    );
    await apply();
    expect(await endOf(`${FLOW}/${bea}/key/b-1`)).toBe('checkout_completed');
    await h.postEvent(checkout('checkout_started', 'b-4', 'bea@example.com'));
    expect(await apply()).toMatchObject([{ journeys: [{ outcome: 'already_enrolled' }] }]);
    expect(await journeysOf(bea)).toHaveLength(1);
  }, 60_000);

  it('an order naming a checkout ends its journey; one that came first completes the checkout on arrival', async () => {
    const cy = await contact('cy@example.com', 'subscribed');
    await h.postEvent(checkout('checkout_started', 'y-1', 'cy@example.com'));
    await apply();
    const workflowId = `${FLOW}/${cy}/key/y-1`;
    await h.journeyAt(workflowId, 'wait-1h');
    const order = (id: string, checkoutId: string) => ({
      type: 'purchase',
      contact: { email: 'cy@example.com' },
      order: { id, total: 20, placed_at: new Date().toISOString(), checkout_id: checkoutId },
    });
    await h.postEvent(order('o-1', 'y-1'));
    await apply();
    // exitWhen.purchase and the checkout's completion both end it, whichever the journey hears
    // first (the e2e test ends one on the completion alone).
    expect(['purchased', 'checkout_completed']).toContain(await endOf(workflowId));
    expect(await findCheckout(h.database.db, 'api', 'y-1')).toMatchObject({
      completedAt: expect.any(Date),
      orderId: expect.any(Number),
    });

    await h.postEvent(order('o-2', 'y-2'));
    await apply();
    await h.postEvent(checkout('checkout_started', 'y-2', 'cy@example.com'));
    expect(await apply()).toMatchObject([{ completed: true, journeys: [] }]);
  }, 60_000);
});
