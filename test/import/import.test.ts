/**
 * The import module on a real database: control characters in a cell reject that row only (with
 * its line and column) while the rows before and after it are imported; binary data is refused as
 * not being a CSV; and an order whose email belongs to another customer is kept on the customer
 * its id names, the conflict reported and the email left where it was; an order placed further
 * ahead of the import than the clock tolerance is rejected, as POST /events refuses it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findContact } from '../../src/db/contacts.js';
import { findOrder } from '../../src/db/orders.js';
import { importContactsCsv } from '../../src/import/contacts.js';
import { CsvFileError } from '../../src/import/csv.js';
import { importOrdersCsv } from '../../src/import/orders.js';
import { runCli } from '../cli/support.js';
import { useTestDatabase } from '../support/db.js';

const database = useTestDatabase();
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-import-'));
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('control characters and binary files', () => {
  it('rejects the row with a NUL byte by line and column, and imports the rows around it', async () => {
    const csv =
      'external_id,email,first_name\n' +
      'N1,n1@example.com,Ana\n' +
      'N2,n2@exa\u0000mple.com,Bea\n' +
      'N3,n3@example.com,Cy\u0007ra\n' +
      'N4,n4@example.com,Dan\n';
    const summary = await importContactsCsv(database.db, Readable.from([csv]), { name: 'c.csv' });
    expect(summary).toMatchObject({ rows: 4, inserted: 2, rejected: 2 });
    expect(summary.issues).toEqual([
      { line: 3, column: 2, reason: expect.stringMatching(/^email: .*U\+0000/) },
      { line: 4, column: 3, reason: expect.stringMatching(/^first_name: .*U\+0007/) },
    ]);
    expect(await findContact(database.db, 'N1')).toBeDefined();
    expect(await findContact(database.db, 'N4')).toBeDefined();
    expect(await findContact(database.db, 'N2')).toBeUndefined();
  });

  it('prints file:line:column for the bad cell and exits 1, the good rows imported', async () => {
    const file = path.join(dir, 'nul.csv');
    await fs.writeFile(
      file,
      'external_id,email\nP1,p1@example.com\nP2,p2@\u0000example.com\nP3,p3@example.com\n',
    );
    const run = await runCli(database.url, ['import', 'contacts', file, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:3:2: email: contains the control character U+0000`);
    expect(run.stdout).toContain('2 inserted');
    expect(await findContact(database.db, 'P3')).toBeDefined();
  });

  it('refuses binary garbage as not a CSV file, not as an empty one', async () => {
    const garbage = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
      randomBytes(4000),
    ]);
    const attempt = importOrdersCsv(database.db, Readable.from([garbage]), { name: 'photo.png' });
    await expect(attempt).rejects.toThrow(CsvFileError);
    await expect(
      importOrdersCsv(database.db, Readable.from([garbage]), { name: 'photo.png' }),
    ).rejects.toThrow(/^photo\.png: not a CSV file/);

    const file = path.join(dir, 'photo.csv');
    await fs.writeFile(file, garbage);
    const run = await runCli(database.url, ['import', 'orders', file, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a CSV file/);
    expect(run.stderr).not.toMatch(/empty file/);
  });
});

describe('column names', () => {
  it("reads a newsletter column, POST /events' name, as newsletter_status; messages name it as the file does", async () => {
    const csv = 'email,newsletter\n' + 'a1@example.com,subscribed\n' + 'a2@example.com,true\n';
    const summary = await importContactsCsv(database.db, Readable.from([csv]), { name: 'a.csv' });
    expect(summary).toMatchObject({ rows: 2, inserted: 1, rejected: 1, ignoredColumns: [] });
    expect((await findContact(database.db, 'a1@example.com'))?.newsletterStatus).toBe('subscribed');
    expect(summary.issues).toEqual([
      expect.objectContaining({
        line: 3,
        reason:
          'newsletter: "true" is not a newsletter status; use one of subscribed, unsubscribed, never',
      }),
    ]);
    await expect(
      importContactsCsv(
        database.db,
        Readable.from(['email,newsletter,newsletter_status\na3@example.com,subscribed,never\n']),
        { name: 'both.csv' },
      ),
    ).rejects.toThrow(
      /^both\.csv: the header has both newsletter_status and newsletter, two names of one column; keep one/,
    );
  });
});

describe('the buyer rule in the order import', () => {
  it('keeps an order on the customer its id names when the email belongs to another customer', async () => {
    await importContactsCsv(
      database.db,
      Readable.from(['external_id,email\nB1,bea@example.com\n,plain@example.com\n']),
    );
    const csv =
      'order_id,customer_id,email,placed_at,total\n' +
      'X-1,B2,bea@example.com,2024-06-01T10:00:00Z,30.00\n' + // bea@ belongs to B1
      'X-2,B3,plain@example.com,2024-06-02T10:00:00Z,40.00\n'; // plain@ has no customer id yet
    const summary = await importOrdersCsv(database.db, Readable.from([csv]), {
      defaultCurrency: 'EUR',
    });
    expect(summary).toMatchObject({ rows: 2, inserted: 2, rejected: 0 });
    expect(summary.conflicts).toEqual([
      {
        line: 2,
        reason: expect.stringMatching(/^email: email "bea@example.com" belongs to customer "B1"/),
      },
    ]);

    const b1 = (await findContact(database.db, 'B1'))!;
    const b2 = (await findContact(database.db, 'B2'))!;
    expect(b1.email).toBe('bea@example.com');
    expect(b2).toMatchObject({ externalId: 'B2', email: null });
    expect((await findOrder(database.db, 'X-1'))!.contactId).toBe(b2.id);

    // An email-only contact gets the customer id, and the order.
    const b3 = (await findContact(database.db, 'plain@example.com'))!;
    expect(b3.externalId).toBe('B3');
    expect((await findOrder(database.db, 'X-2'))!.contactId).toBe(b3.id);
  });
});

describe("an order's time in the import", () => {
  it('rejects an order placed more than the clock tolerance after the import began, as POST /events does', async () => {
    const csv =
      'order_id,email,placed_at,total\n' +
      'wo-11,w-1@example.com,2026-12-06T12:05:00Z,10.00\n' + // at the tolerance: kept
      'wo-12,w-1@example.com,2099-04-01T00:00:00Z,10.00\n';
    const summary = await importOrdersCsv(database.db, Readable.from([csv]), {
      now: new Date('2026-12-06T12:00:00Z'),
      clockToleranceSeconds: 300,
    });
    expect(summary).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(summary.issues).toEqual([
      {
        line: 3,
        reason:
          "placed_at: 2099-04-01T00:00:00.000Z is more than 300 seconds after the import began (2026-12-06T12:00:00.000Z); is the store's clock ahead?",
      },
    ]);
    expect(await findOrder(database.db, 'wo-12')).toBeUndefined();
  });

  it('rejects an order placed before 1970, as POST /events does', async () => {
    const csv =
      'order_id,email,placed_at,total\n' + 'wo-14,w-1@example.com,1969-12-31T23:59:59Z,10.00\n';
    const summary = await importOrdersCsv(database.db, Readable.from([csv]), {
      now: new Date('2026-12-06T12:00:00Z'),
    });
    expect(summary).toMatchObject({ rows: 1, inserted: 0, rejected: 1 });
    expect(summary.issues).toEqual([
      { line: 2, reason: 'placed_at: "1969-12-31T23:59:59Z" is before 1970-01-01' },
    ]);
    expect(await findOrder(database.db, 'wo-14')).toBeUndefined();
  });

  it('names the line and the column on stderr and exits 1', async () => {
    const file = path.join(dir, 'future.csv');
    await fs.writeFile(
      file,
      'order_id,email,placed_at,total\nwo-13,w-2@example.com,2099-04-01T00:00:00Z,10.00\n',
    );
    const run = await runCli(database.url, ['import', 'orders', file, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `${file}:2: placed_at: 2099-04-01T00:00:00.000Z is more than 300 seconds after the import began`,
    );
    expect(await findOrder(database.db, 'wo-13')).toBeUndefined();
  });
});
