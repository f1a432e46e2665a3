/**
 * `import --format shopify`: the sample exports in examples/data/shopify (Shopify's own columns,
 * one row per line item) store exactly the contacts and orders that a hand-rewritten CSV in
 * Boomerang's own format stores (test/fixtures/csv/shopify-*-rewritten.csv), with the same counts;
 * bad rows are reported by line naming Shopify's column; and the CLI takes the flag.
 */
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { findContact } from '../../src/db/contacts.js';
import { countPurchases, findOrder } from '../../src/db/orders.js';
import { importContactsCsv } from '../../src/import/contacts.js';
import { CsvFileError } from '../../src/import/csv.js';
import { importOrdersCsv } from '../../src/import/orders.js';
import { runCli } from '../cli/support.js';
import { useTestDatabase } from '../support/db.js';

const ROOT = path.join(import.meta.dirname, '../..');
const CUSTOMERS_EXPORT = path.join(ROOT, 'examples/data/shopify/customers_export.csv');
const ORDERS_EXPORT = path.join(ROOT, 'examples/data/shopify/orders_export.csv');
const CUSTOMERS_REWRITTEN = path.join(ROOT, 'test/fixtures/csv/shopify-customers-rewritten.csv');
const ORDERS_REWRITTEN = path.join(ROOT, 'test/fixtures/csv/shopify-orders-rewritten.csv');
const NOW = new Date('2026-10-01T08:00:00Z');

/** Every stored contact and order, by their shop ids and emails rather than database ids. */
async function stored(db: Db) {
  const contacts = await db
    .selectFrom('contacts')
    .selectAll()
    .orderBy('email')
    .orderBy('external_id')
    .execute();
  const orders = await db
    .selectFrom('orders')
    .innerJoin('contacts', 'contacts.id', 'orders.contact_id')
    .select([
      'orders.source',
      'orders.external_id',
      'orders.placed_at',
      'orders.total',
      'orders.currency',
      'orders.coupon_code',
      'orders.status',
      'contacts.email as buyer',
    ])
    .orderBy('orders.external_id')
    .execute();
  return {
    contacts: contacts.map(({ id: _id, created_at: _c, updated_at: _u, ...rest }) => rest),
    orders,
  };
}

describe('the sample Shopify exports against the same data in Boomerang format', () => {
  const shopifyDb = useTestDatabase();
  const ownDb = useTestDatabase();

  it('stores the same contacts and orders with the same counts', async () => {
    const customers = await importContactsCsv(shopifyDb.db, CUSTOMERS_EXPORT, {
      format: 'shopify',
      now: NOW,
    });
    const ownContacts = await importContactsCsv(ownDb.db, CUSTOMERS_REWRITTEN, { now: NOW });
    const counts = { rows: 12, inserted: 11, updated: 0, unchanged: 0, rejected: 1 };
    expect(customers).toMatchObject({ ...counts, ignoredColumns: [] });
    expect(ownContacts).toMatchObject(counts);

    const orders = await importOrdersCsv(shopifyDb.db, ORDERS_EXPORT, {
      format: 'shopify',
      now: NOW,
    });
    const ownOrders = await importOrdersCsv(ownDb.db, ORDERS_REWRITTEN, {
      now: NOW,
      orderSource: 'shopify',
    });
    // 20 orders on 30 rows; the pending one is skipped, which the rewritten file leaves out.
    const orderCounts = { inserted: 18, updated: 0, unchanged: 0, rejected: 1, contactsCreated: 2 };
    expect(orders).toMatchObject({ ...orderCounts, rows: 20, ignoredColumns: [] });
    expect(orders.skipped).toHaveLength(1);
    expect(ownOrders).toMatchObject({ ...orderCounts, rows: 19 });

    const fromShopify = await stored(shopifyDb.db);
    expect(fromShopify.contacts).toHaveLength(13);
    expect(fromShopify.orders).toHaveLength(18);
    expect(fromShopify).toEqual(await stored(ownDb.db));

    // What the mapping means, on a few of those rows.
    expect(await findContact(shopifyDb.db, '7301000000001')).toMatchObject({
      email: 'ana.garcia@example.com',
      phone: '+34612345001',
      country: 'ES',
      tags: ['vip', 'newsletter'],
      newsletterStatus: 'subscribed',
      newsletterSubscribedAt: NOW,
      smsConsent: true,
    });
    // No email consent in Shopify: never subscribed here, SMS consent kept.
    expect(await findContact(shopifyDb.db, 'chloe.martin@example.com')).toMatchObject({
      newsletterStatus: 'never',
      smsConsent: true,
    });
    // Two line items, one order, keyed by Shopify's order id as its webhooks are.
    expect(await findOrder(shopifyDb.db, '5600000000001', 'shopify')).toMatchObject({
      total: 70.92,
      couponCode: 'WELCOME10',
      placedAt: new Date('2026-09-01T08:15:00Z'),
      status: 'paid',
    });
    const status = async (id: string) => (await findOrder(shopifyDb.db, id, 'shopify'))?.status;
    expect(await status('5600000000004')).toBe('refunded');
    expect(await status('5600000000006')).toBe('paid'); // partially refunded
    expect(await status('5600000000007')).toBe('cancelled'); // voided
    expect(await status('5600000000012')).toBe('cancelled'); // refunded, with Cancelled at
    expect(await status('5600000000016')).toBe('paid'); // partially paid
    expect(await status('5600000000020')).toBe('cancelled'); // expired
    expect(await status('5600000000009')).toBeUndefined(); // pending
    const ana = (await findContact(shopifyDb.db, '7301000000001'))!;
    expect(await countPurchases(shopifyDb.db, ana.id, new Date('2026-01-01T00:00:00Z'))).toBe(3);

    const again = await importOrdersCsv(shopifyDb.db, ORDERS_EXPORT, { format: 'shopify' });
    expect(again).toMatchObject({ rows: 20, inserted: 0, updated: 0, unchanged: 18, rejected: 1 });
  });

  it('reports the bad rows by line, naming Shopify’s columns', async () => {
    const customers = await importContactsCsv(shopifyDb.db, CUSTOMERS_EXPORT, {
      format: 'shopify',
    });
    expect(customers.issues).toEqual([
      { line: 10, reason: expect.stringMatching(/^Phone: "\(775\) 555-0154" has no country code/) },
    ]);
    const orders = await importOrdersCsv(shopifyDb.db, ORDERS_EXPORT, { format: 'shopify' });
    expect(orders.issues).toEqual([
      { line: 25, reason: expect.stringMatching(/^Email: is required to find the customer/) },
    ]);
    expect(orders.skipped).toEqual([
      {
        line: 15,
        reason: expect.stringMatching(/^#1009: Financial Status: pending, not paid yet/),
      },
    ]);

    const header =
      'Name,Email,Financial Status,Paid at,Currency,Total,Discount Code,Created at,Lineitem quantity,Lineitem name,Id\n';
    const bad = await importOrdersCsv(
      shopifyDb.db,
      Readable.from([
        header +
          '#2001,ana.garcia@example.com,shipped,,EUR,10.00,,2026-09-01 10:00:00 +0200,1,Mug,8000000000001\n' +
          '#2002,ana.garcia@example.com,paid,,EUR,"10,50",,2026-09-01 10:00:00 +0200,1,Mug,8000000000002\n' +
          '#2003,ana.garcia@example.com,paid,,EUR,10.00,,last week,1,Mug,8000000000003\n' +
          '#2004,ana.garcia@example.com,,,,,,,1,Cup,\n' +
          '#2005,ana.garcia@example.com,paid,,EUR,12.00,,2026-09-02 10:00:00 +0200,1,Mug,8000000000005\n' +
          '#2005,ana.garcia@example.com,,,,,,,2,Cup,\n',
      ]),
      { format: 'shopify' },
    );
    expect(bad).toMatchObject({ rows: 5, inserted: 1, rejected: 4 });
    expect(bad.issues.map((i) => [i.line, i.reason])).toEqual([
      [2, expect.stringMatching(/^Financial Status: "shipped" is not one of paid,/)],
      [3, 'Total: "10,50" uses a decimal comma; write 10.50'],
      [4, expect.stringMatching(/^Created at: "last week" is not an ISO 8601 date-time/)],
      [5, expect.stringMatching(/^Name: the first row of order #2004 .* is missing/)],
    ]);

    const badCustomer = await importContactsCsv(
      shopifyDb.db,
      Readable.from([
        'Customer ID,Email,Accepts Email Marketing,Accepts SMS Marketing\n' +
          "'99,zoe@example.com,maybe,yes\n" +
          ',,yes,no\n',
      ]),
      { format: 'shopify' },
    );
    expect(badCustomer.issues).toEqual([
      { line: 2, reason: 'Accepts Email Marketing: "maybe" is not yes or no' },
      { line: 3, reason: 'Customer ID or Email is required to identify the customer' },
    ]);

    // Boomerang's own file given as a Shopify export is refused as a whole, naming what is missing.
    await expect(
      importOrdersCsv(shopifyDb.db, ORDERS_REWRITTEN, { format: 'shopify' }),
    ).rejects.toThrow(CsvFileError);
    await expect(
      importOrdersCsv(shopifyDb.db, ORDERS_REWRITTEN, { format: 'shopify' }),
    ).rejects.toThrow(
      /missing columns of a Shopify orders export: Name, Financial Status, Created at/,
    );
  });

  it('leaves a contact subscribed when a later export says no (it cannot tell an unsubscribe)', async () => {
    const customer = (consent: string) =>
      Readable.from([
        'Customer ID,Email,Accepts Email Marketing,Accepts SMS Marketing\n' +
          `'77,yara@example.com,${consent},${consent}\n`,
      ]);
    await importContactsCsv(shopifyDb.db, customer('yes'), { format: 'shopify', now: NOW });
    const later = await importContactsCsv(shopifyDb.db, customer('no'), { format: 'shopify' });
    expect(later).toMatchObject({ unchanged: 1, rejected: 0 });
    expect(await findContact(shopifyDb.db, '77')).toMatchObject({
      newsletterStatus: 'subscribed',
      smsConsent: true,
    });
  });
});

describe('boomerang import --format shopify', () => {
  const database = useTestDatabase();

  it('imports both exports through the CLI, printing rejected and skipped rows by line', async () => {
    const contacts = await runCli(database.url, [
      'import',
      'contacts',
      '--format',
      'shopify',
      CUSTOMERS_EXPORT,
      '--no-progress',
    ]);
    expect(contacts.code).toBe(1);
    expect(contacts.stderr).toContain(`${CUSTOMERS_EXPORT}:10: Phone: "(775) 555-0154"`);
    expect(contacts.stderr).not.toMatch(/ignoring unknown column/);
    expect(contacts.stdout).toContain(
      '12 contact rows: 11 inserted, 0 updated, 0 unchanged, 1 rejected',
    );

    const orders = await runCli(database.url, [
      'import',
      'orders',
      '--format',
      'shopify',
      ORDERS_EXPORT,
      '--no-progress',
    ]);
    expect(orders.code).toBe(1);
    expect(orders.stderr).toContain(
      `${ORDERS_EXPORT}:15: skipped, #1009: Financial Status: pending`,
    );
    expect(orders.stderr).toContain(`${ORDERS_EXPORT}:25: Email: is required`);
    expect(orders.stdout).toContain(
      '20 orders: 18 inserted, 0 updated, 0 unchanged, 1 rejected, 2 contacts created, 1 skipped',
    );
    expect(await findOrder(database.db, '5600000000013', 'shopify')).toMatchObject({
      total: 182.7,
      status: 'paid',
    });

    const wrong = await runCli(database.url, [
      'import',
      'orders',
      '--format',
      'woocommerce',
      ORDERS_EXPORT,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--format must be own or shopify \(got woocommerce\)/);
  });
});
