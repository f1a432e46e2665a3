import { beforeAll, describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/db/contacts.js';
import {
  countPurchases,
  findOrder,
  listOrders,
  OrderValidationError,
  purchaseTotals,
  upsertOrder,
  upsertOrders,
} from '../../src/db/orders.js';
import { useTestDatabase } from '../support/db.js';

describe('orders repository', () => {
  const database = useTestDatabase();
  let contactId: number;
  let otherId: number;
  beforeAll(async () => {
    contactId = (
      await upsertContact(database.db, { externalId: 'O-C1', email: 'buyer@example.com' })
    ).contact.id;
    otherId = (await upsertContact(database.db, { externalId: 'O-C2' })).contact.id;
  });

  it('upserts by (source, external id): inserted, then unchanged, then updated', async () => {
    const order = {
      externalId: 'A-1',
      contactId,
      placedAt: new Date('2025-05-01T10:00:00Z'),
      total: 59.9,
      currency: 'EUR',
    };
    const first = await upsertOrder(database.db, order);
    expect(first.action).toBe('inserted');
    expect(first.order).toMatchObject({
      source: 'import',
      externalId: 'A-1',
      contactId,
      total: 59.9,
      currency: 'EUR',
      status: 'paid',
      couponCode: null,
    });
    expect(await upsertOrder(database.db, order)).toEqual({
      action: 'unchanged',
      order: first.order,
    });
    // A total with more decimals than stored rounds to the same cents: still unchanged.
    expect((await upsertOrder(database.db, { ...order, total: 59.9000001 })).action).toBe(
      'unchanged',
    );
    const refunded = await upsertOrder(database.db, { ...order, status: 'refunded' });
    expect(refunded.action).toBe('updated');
    expect(refunded.order).toMatchObject({ id: first.order.id, status: 'refunded' });
    // The same external id from another source is another order.
    const shopify = await upsertOrder(database.db, { ...order, source: 'shopify' });
    expect(shopify.action).toBe('inserted');
    expect(shopify.order.id).not.toBe(first.order.id);
    expect((await findOrder(database.db, 'A-1'))?.status).toBe('refunded');
    expect((await findOrder(database.db, 'A-1', 'shopify'))?.status).toBe('paid');
  });

  it('applies a batch in order, a repeated order on top of the earlier one', async () => {
    const base = {
      contactId: otherId,
      placedAt: new Date('2025-05-02T10:00:00Z'),
      currency: 'EUR',
    };
    const results = await upsertOrders(database.db, [
      { ...base, externalId: 'B-1', total: 10 },
      { ...base, externalId: 'B-2', total: 20 },
      { ...base, externalId: 'B-1', total: 11 },
    ]);
    expect(results.map((r) => r.action)).toEqual(['inserted', 'inserted', 'updated']);
    expect((await findOrder(database.db, 'B-1'))?.total).toBe(11);
    const again = await upsertOrders(database.db, [
      { ...base, externalId: 'B-1', total: 11 },
      { ...base, externalId: 'B-2', total: 20 },
    ]);
    expect(again.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('refuses invalid orders before writing anything, naming the field', async () => {
    const good = { externalId: 'V-1', contactId, placedAt: new Date(), total: 1, currency: 'EUR' };
    await expect(
      upsertOrders(database.db, [good, { ...good, externalId: 'V-2', currency: 'euro' }]),
    ).rejects.toThrow(/order "V-2": currency: "euro" is not an ISO 4217 code/);
    await expect(upsertOrder(database.db, { ...good, total: -1 })).rejects.toBeInstanceOf(
      OrderValidationError,
    );
    await expect(upsertOrder(database.db, { ...good, placedAt: new Date('nope') })).rejects.toThrow(
      /placedAt/,
    );
    expect(await findOrder(database.db, 'V-1')).toBeUndefined();
  });

  it('counts paid orders only as purchases, within the window', async () => {
    const buyer = (await upsertContact(database.db, { externalId: 'O-C3' })).contact.id;
    const at = (iso: string) => new Date(iso);
    await upsertOrders(database.db, [
      {
        externalId: 'P-1',
        contactId: buyer,
        placedAt: at('2025-06-01T10:00:00Z'),
        total: 30,
        currency: 'EUR',
      },
      {
        externalId: 'P-2',
        contactId: buyer,
        placedAt: at('2025-06-10T10:00:00Z'),
        total: 20.5,
        currency: 'EUR',
      },
      {
        externalId: 'P-3',
        contactId: buyer,
        placedAt: at('2025-06-11T10:00:00Z'),
        total: 99,
        currency: 'EUR',
        status: 'refunded',
      },
      {
        externalId: 'P-4',
        contactId: buyer,
        placedAt: at('2025-06-12T10:00:00Z'),
        total: 15,
        currency: 'EUR',
        status: 'cancelled',
      },
      {
        externalId: 'P-5',
        contactId: otherId,
        placedAt: at('2025-06-12T10:00:00Z'),
        total: 15,
        currency: 'EUR',
      },
    ]);
    expect(await countPurchases(database.db, buyer, at('2025-01-01T00:00:00Z'))).toBe(2);
    expect(await countPurchases(database.db, buyer, at('2025-06-10T10:00:00Z'))).toBe(1);
    expect(await countPurchases(database.db, buyer, at('2025-06-10T10:00:01Z'))).toBe(0);
    expect(
      await countPurchases(
        database.db,
        buyer,
        at('2025-01-01T00:00:00Z'),
        at('2025-06-05T00:00:00Z'),
      ),
    ).toBe(1);
    expect(await purchaseTotals(database.db, buyer)).toEqual({ count: 2, amount: 50.5 });
    expect(await purchaseTotals(database.db, buyer, { since: at('2025-06-05T00:00:00Z') })).toEqual(
      { count: 1, amount: 20.5 },
    );
    expect(await purchaseTotals(database.db, 987654)).toEqual({ count: 0, amount: 0 });
    expect((await listOrders(database.db, buyer)).map((o) => o.externalId)).toEqual([
      'P-4',
      'P-3',
      'P-2',
      'P-1',
    ]);
  });
});
