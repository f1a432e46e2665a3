import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { importContactsCsv } from '../../src/import/contacts.js';
import { importOrdersCsv } from '../../src/import/orders.js';
import type { ImportSummary } from '../../src/import/summary.js';
import { findContact } from '../../src/db/contacts.js';
import { countPurchases, findOrder } from '../../src/db/orders.js';
import { useTestDatabase } from '../support/db.js';
import { runCli } from './support.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/csv');
const fixture = (name: string): string => path.join(FIXTURES, name);

const CONTACT_REJECTS: [number, RegExp][] = [
  [5, /^email: "not-an-email" is not a valid email address$/],
  [6, /^phone: "612 345 678" has no country code/],
  [
    8,
    /^timezone: .*; country: "XX" .*; newsletter_status: "sometimes" .*; sms_consent: "maybe" .*; registered_at: "2023-02-30"/,
  ],
  [9, /^external_id or email is required/],
  [
    11,
    /^external_id: "C010" is new but email "ada@example.com" belongs to the contact with external_id "C001"$/,
  ],
  [12, /^expected 12 fields as in the header, found 3$/],
];

const ORDER_REJECTS: [number, RegExp][] = [
  [
    6,
    /^customer_id: no contact has external_id "C404"; import the contacts first, or give the customer's email$/,
  ],
  [8, /^placed_at: "yesterday" is not an ISO 8601 date-time/],
  [9, /^total: "19,99" uses a decimal comma; write 19.99$/],
  [10, /^status: "shipped" is not one of paid, cancelled, refunded$/],
];

function expectIssues(summary: ImportSummary, expected: [number, RegExp][]): void {
  expect(summary.issues.map((i) => i.line)).toEqual(expected.map(([line]) => line));
  summary.issues.forEach((issue, k) => expect(issue.reason).toMatch(expected[k]![1]));
}

describe('CSV import functions', () => {
  const database = useTestDatabase();

  it('imports the contacts fixture, rejecting bad rows by line, and a second run changes nothing', async () => {
    const first = await importContactsCsv(database.db, fixture('contacts.csv'), { batchSize: 3 });
    expect(first).toMatchObject({
      kind: 'contacts',
      rows: 11,
      inserted: 5,
      updated: 0,
      unchanged: 0,
      rejected: 6,
      ignoredColumns: [],
      moreIssues: 0,
    });
    expectIssues(first, CONTACT_REJECTS);

    expect(await findContact(database.db, 'C001')).toMatchObject({
      email: 'ada@example.com',
      phone: '+34612345678',
      firstName: 'Ada',
      lastName: 'Lovelace',
      locale: 'es-ES',
      timezone: 'Europe/Madrid',
      country: 'ES',
      tags: ['vip', 'early'],
      newsletterStatus: 'subscribed',
      smsConsent: true,
      registeredAt: new Date('2023-01-15T00:00:00Z'),
    });
    expect(await findContact(database.db, 'C003')).toMatchObject({
      phone: '+442079460958',
      locale: 'en-GB',
      country: 'GB',
      newsletterStatus: 'unsubscribed',
    });
    expect(await findContact(database.db, 'grace@example.com')).toMatchObject({
      externalId: 'C002',
      email: 'grace@example.com',
    });
    expect(await findContact(database.db, 'margaret@example.com')).toMatchObject({
      externalId: null,
      newsletterStatus: 'never',
      smsConsent: false,
    });
    expect(await findContact(database.db, 'C009')).toMatchObject({
      tags: ['inventor', 'actress'],
      registeredAt: new Date('1990-11-09T07:30:00Z'),
    });
    for (const missing of ['C004', 'C005', 'C007', 'C010', 'C011'])
      expect(await findContact(database.db, missing)).toBeUndefined();

    const second = await importContactsCsv(database.db, fixture('contacts.csv'));
    expect(second).toMatchObject({ rows: 11, inserted: 0, updated: 0, unchanged: 5, rejected: 6 });
    expectIssues(second, CONTACT_REJECTS);
  });

  it('imports orders, creating unknown customers that have an email, and a second run changes nothing', async () => {
    const first = await importOrdersCsv(database.db, fixture('orders.csv'), {
      defaultCurrency: 'EUR',
      batchSize: 4,
    });
    expect(first).toMatchObject({
      kind: 'orders',
      rows: 10,
      inserted: 6,
      updated: 0,
      unchanged: 0,
      rejected: 4,
      contactsCreated: 2,
    });
    expectIssues(first, ORDER_REJECTS);

    const ada = (await findContact(database.db, 'C001'))!;
    expect(await findOrder(database.db, 'O-2')).toMatchObject({
      contactId: ada.id,
      currency: 'EUR',
      couponCode: 'WELCOME10',
      total: 20,
      placedAt: new Date('2024-06-01T08:00:00Z'),
    });
    expect(await findOrder(database.db, 'O-3')).toMatchObject({
      status: 'refunded',
      currency: 'USD',
      total: 35.5,
    });
    const newCustomer = (await findContact(database.db, 'new.customer@example.com'))!;
    expect(newCustomer).toMatchObject({ externalId: null, newsletterStatus: 'never' });
    expect((await findOrder(database.db, 'O-4'))?.contactId).toBe(newCustomer.id);
    expect((await findOrder(database.db, 'O-10'))?.contactId).toBe(newCustomer.id);
    const c405 = (await findContact(database.db, 'C405'))!;
    expect(c405.email).toBe('another.new@example.com');
    expect(await findOrder(database.db, 'O-6')).toMatchObject({
      contactId: c405.id,
      status: 'cancelled',
    });
    expect(await countPurchases(database.db, ada.id, new Date('2024-01-01T00:00:00Z'))).toBe(2);

    const second = await importOrdersCsv(database.db, fixture('orders.csv'), {
      defaultCurrency: 'EUR',
    });
    expect(second).toMatchObject({
      rows: 10,
      inserted: 0,
      updated: 0,
      unchanged: 6,
      rejected: 4,
      contactsCreated: 0,
    });
  });

  it('updates what changed, from a stream, recording when the newsletter status changed', async () => {
    const now = new Date('2025-04-01T00:00:00Z');
    const csv =
      'external_id,newsletter_status,tags\n' +
      'C001,unsubscribed,vip;early\n' + // status changes, tags as before
      'C002,subscribed,\n'; // as before (an empty cell leaves the tags alone)
    const summary = await importContactsCsv(database.db, Readable.from([csv]), { now });
    expect(summary).toMatchObject({
      file: 'input',
      rows: 2,
      inserted: 0,
      updated: 1,
      unchanged: 1,
      rejected: 0,
    });
    expect(await findContact(database.db, 'C001')).toMatchObject({
      newsletterStatus: 'unsubscribed',
      newsletterUnsubscribedAt: now,
      lastName: 'Lovelace',
    });
  });

  it('reports malformed CSV records by line and goes on', async () => {
    const csv =
      'email\nok1@example.com\nbad"quote@example.com\n"multi\nline@example.com"\nok2@example.com\n';
    const summary = await importContactsCsv(database.db, Readable.from([csv]));
    expect(summary).toMatchObject({ rows: 4, inserted: 2, rejected: 2 });
    expect(summary.issues).toEqual([
      { line: 3, reason: expect.stringMatching(/^not valid CSV: Invalid Opening Quote/) },
      {
        line: 5,
        reason: expect.stringMatching(
          /^email: "multi\\nline@example.com" is not a valid email address/,
        ),
      },
    ]);
  });

  it('streams a large file in batches; importing it again changes nothing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-import-'));
    const file = path.join(dir, 'big.csv');
    const rows = 4321;
    const lines = ['external_id,email,first_name,country,tags,newsletter_status'];
    for (let i = 0; i < rows; i++) {
      lines.push(
        `BIG-${i},big${i}@example.com,Customer ${i},${['FR', 'ES', 'DE'][i % 3]},${i % 2 ? 'a;b' : ''},${i % 5 ? 'subscribed' : 'never'}`,
      );
    }
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    const progress: { bytes: number; rows: number }[] = [];
    const first = await importContactsCsv(database.db, file, {
      onProgress: (p) => progress.push(p),
    });
    expect(first).toMatchObject({ rows, inserted: rows, rejected: 0 });
    expect(progress.length).toBe(Math.ceil(rows / 1000));
    expect(progress.at(-1)).toEqual({ bytes: (await fs.stat(file)).size, rows });
    const second = await importContactsCsv(database.db, file);
    expect(second).toMatchObject({ rows, inserted: 0, updated: 0, unchanged: rows, rejected: 0 });
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe('boomerang import (commands)', () => {
  const database = useTestDatabase();
  const importCli = (kind: 'contacts' | 'orders', file: string, ...options: string[]) =>
    runCli(database.url, ['import', kind, fixture(file), ...options]);

  it('import contacts: exit 1 with rejected rows on stderr by line, a summary on stdout; the second run changes nothing', async () => {
    const file = fixture('contacts.csv');
    const first = await runCli(database.url, ['import', 'contacts', file]);
    expect(first.code).toBe(1);
    expect(first.stdout.trim()).toBe(
      `${file}: 11 contact rows: 5 inserted, 0 updated, 0 unchanged, 6 rejected`,
    );
    for (const [line] of CONTACT_REJECTS) expect(first.stderr).toContain(`${file}:${line}: `);
    expect(first.stderr).toContain(`${file}:5: email: "not-an-email" is not a valid email address`);
    expect(first.stderr).toMatch(/6 of 11 rows rejected/);

    const second = await runCli(database.url, ['import', 'contacts', file, '--json']);
    expect(second.code).toBe(1);
    const summary = JSON.parse(second.stdout) as ImportSummary;
    expect(summary).toMatchObject({
      kind: 'contacts',
      rows: 11,
      inserted: 0,
      updated: 0,
      unchanged: 5,
      rejected: 6,
    });
    expect(summary.issues.map((i) => i.line)).toEqual(CONTACT_REJECTS.map(([line]) => line));
  });

  it('import orders --json: the summary counts created contacts', async () => {
    const run = await importCli('orders', 'orders.csv', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      kind: 'orders',
      rows: 10,
      inserted: 6,
      rejected: 4,
      contactsCreated: 2,
    });
    const again = await importCli('orders', 'orders.csv', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({
      inserted: 0,
      updated: 0,
      unchanged: 6,
      rejected: 4,
      contactsCreated: 0,
    });
  });

  it('exit 0 when every row is good; header names are case-insensitive, a BOM and CRLF are fine, unknown columns are ignored with a warning', async () => {
    const run = await importCli('contacts', 'contacts-bom-crlf.csv');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 contact row: 1 inserted, 0 updated, 0 unchanged, 0 rejected/);
    expect(run.stderr).toContain('ignoring unknown column favourite_colour');
    expect(await findContact(database.db, 'bom@example.com')).toMatchObject({ firstName: 'Bom' });
  });

  it('exit 2 for a missing required column, naming it', async () => {
    const contacts = await importCli('contacts', 'contacts-missing-identifier.csv');
    expect(contacts.code).toBe(2);
    expect(contacts.stderr).toMatch(
      /missing column: the header needs external_id or email \(or both\) \(the header has: id, mail, first_name\)/,
    );
    expect(contacts.stdout).toBe('');
    const orders = await importCli('orders', 'orders-missing-columns.csv');
    expect(orders.code).toBe(2);
    expect(orders.stderr).toMatch(/missing columns: placed_at, total/);
  });

  it('exit 2 for a file that cannot be read or is empty', async () => {
    const missing = await importCli('contacts', 'nope.csv');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv/);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-import-'));
    await fs.writeFile(path.join(dir, 'empty.csv'), '');
    const empty = await runCli(database.url, ['import', 'orders', path.join(dir, 'empty.csv')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty file; expected a header row/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('--progress draws on stderr and leaves --json output clean', async () => {
    const run = await importCli('contacts', 'contacts-bom-crlf.csv', '--progress', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: 1, unchanged: 1 });
    expect(run.stderr).toContain('import contacts');
    const quiet = await importCli('contacts', 'contacts-bom-crlf.csv', '--json');
    expect(quiet.stderr).not.toContain('import contacts');
  });

  it('refuses a bad --batch-size', async () => {
    const run = await importCli('contacts', 'contacts.csv', '--batch-size', 'lots');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch-size must be a whole number/);
  });
});
