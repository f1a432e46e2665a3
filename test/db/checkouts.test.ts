import { beforeAll, describe, expect, it } from 'vitest';
import {
  completeCheckout,
  type CheckoutInput,
  deleteCheckout,
  findCheckout,
  upsertCheckout,
} from '../../src/db/checkouts.js';
import { upsertContact } from '../../src/db/contacts.js';
import { upsertOrder } from '../../src/db/orders.js';
import { useTestDatabase } from '../support/db.js';

describe('checkouts repository', () => {
  const database = useTestDatabase();
  let contactId: number;
  beforeAll(async () => {
    contactId = (await upsertContact(database.db, { email: 'cart@example.com' })).contact.id;
  });

  const checkout = (id: string, over: Partial<CheckoutInput> = {}): CheckoutInput => ({
    id,
    source: 'shopify',
    contactId,
    email: 'cart@example.com',
    currency: 'EUR',
    total: 42,
    lineItems: [{ productId: 'p1', title: 'Mug', quantity: 2, price: 21 }],
    recoveryUrl: `https://shop.example/checkouts/${id}/recover`,
    startedAt: new Date('2026-12-01T10:00:00Z'),
    updatedAt: new Date('2026-12-01T10:00:00Z'),
    ...over,
  });

  it('keeps the newest state; a repeated or older update changes nothing', async () => {
    const first = await upsertCheckout(database.db, checkout('c-1'));
    expect(first).toMatchObject({ inserted: true, changed: true, completedNow: false });
    const again = await upsertCheckout(database.db, checkout('c-1'));
    expect(again).toMatchObject({ inserted: false, changed: false, completedNow: false });

    const newer = checkout('c-1', {
      total: 63,
      lineItems: [{ productId: 'p1', title: 'Mug', quantity: 3, price: 21 }],
      updatedAt: new Date('2026-12-01T10:05:00Z'),
    });
    expect((await upsertCheckout(database.db, newer)).changed).toBe(true);
    const stale = checkout('c-1', { total: 1, updatedAt: new Date('2026-12-01T10:01:00Z') });
    expect((await upsertCheckout(database.db, stale)).changed).toBe(false);
    expect(await findCheckout(database.db, 'shopify', 'c-1')).toMatchObject({
      total: 63,
      lineItems: [{ quantity: 3 }],
      completedAt: null,
    });
  });

  it('is completed once, by the store or by the order naming it, whichever comes first', async () => {
    await upsertCheckout(database.db, checkout('c-2'));
    const done = checkout('c-2', {
      updatedAt: new Date('2026-12-01T11:00:00Z'),
      completedAt: new Date('2026-12-01T11:00:00Z'),
    });
    expect((await upsertCheckout(database.db, done)).completedNow).toBe(true);
    expect((await upsertCheckout(database.db, done)).completedNow).toBe(false);

    const order = await upsertOrder(database.db, {
      source: 'shopify',
      externalId: 'o-2',
      contactId,
      placedAt: new Date('2026-12-01T11:00:00Z'),
      total: 42,
      currency: 'EUR',
      checkoutId: 'c-2',
    });
    const completed = await completeCheckout(database.db, {
      source: 'shopify',
      externalId: 'c-2',
      orderId: order.order.id,
      at: order.order.placedAt,
    });
    expect(completed).toMatchObject({ completedNow: false, checkout: { orderId: order.order.id } });
    expect(
      await completeCheckout(database.db, {
        source: 'shopify',
        externalId: 'unknown',
        orderId: order.order.id,
        at: new Date(),
      }),
    ).toBeUndefined();
  });

  it('an order received before its checkout completes the checkout when it arrives', async () => {
    const stated = {
      source: 'shopify',
      externalId: 'o-3',
      contactId,
      placedAt: new Date('2026-12-01T12:00:00Z'),
      total: 42,
      currency: 'EUR',
    };
    const order = await upsertOrder(database.db, { ...stated, checkoutId: 'c-3' });
    expect(order.order.checkoutId).toBe('c-3');
    // An order stated again without its checkout keeps the one known.
    const restated = await upsertOrder(database.db, stated);
    expect(restated).toMatchObject({ action: 'unchanged', order: { checkoutId: 'c-3' } });
    const late = await upsertCheckout(database.db, checkout('c-3'));
    expect(late).toMatchObject({
      inserted: true,
      completedNow: true,
      checkout: { orderId: order.order.id },
    });
  });

  it('is deleted once; an unknown checkout is not', async () => {
    await upsertCheckout(database.db, checkout('c-4'));
    const at = new Date('2026-12-02T00:00:00Z');
    const ref = { source: 'shopify', externalId: 'c-4', at };
    expect(await deleteCheckout(database.db, ref)).toMatchObject({
      deletedNow: true,
      checkout: { deletedAt: at },
    });
    expect((await deleteCheckout(database.db, ref))?.deletedNow).toBe(false);
    expect(await deleteCheckout(database.db, { ...ref, externalId: 'nope' })).toBeUndefined();
  });

  it('keeps a checkout without a contact', async () => {
    const write = await upsertCheckout(
      database.db,
      checkout('c-5', { contactId: null, email: null }),
    );
    expect(write.checkout).toMatchObject({ contactId: null, email: null, id: 'c-5' });
  });
});
