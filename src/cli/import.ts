/**
 * `boomerang import contacts FILE` and `boomerang import orders FILE`: load the shop's customers
 * and orders from CSV.
 *
 * Both read a CSV file with a header row (UTF-8, comma-separated, optional BOM; header names are
 * case-insensitive; unknown columns are ignored with a warning). Empty cells mean "not given".
 *
 * Contacts — at least one of external_id and email in the header:
 * | column            | meaning |
 * |-------------------|---------|
 * | external_id       | the shop's customer id; identifies the contact (else the email does) |
 * | email             | email address; unique in the shop whatever its case; stored lower-cased |
 * | phone             | E.164 (+34612345678); spaces, dashes, dots, brackets and a 00 prefix are accepted; numbers without a country code are rejected |
 * | first_name        | |
 * | last_name         | |
 * | locale            | BCP 47 (fr, fr-FR; fr_FR is accepted) |
 * | timezone          | IANA time zone (Europe/Madrid) |
 * | country           | ISO 3166-1 alpha-2 (FR) |
 * | tags              | semicolon-separated (vip;wholesale); replaces the contact's tags |
 * | newsletter_status | subscribed, unsubscribed or never; a change records its time |
 * | sms_consent       | true/false (yes/no, 1/0); a change records its time |
 * | registered_at     | ISO 8601 date or date-time (no offset = UTC) |
 *
 * Orders — order_id, placed_at, total, and customer_id or email:
 * | column      | meaning |
 * |-------------|---------|
 * | order_id    | the shop's order id; an order imported again is updated, not duplicated |
 * | customer_id | external_id of the contact |
 * | email       | email of the contact; used when customer_id is absent or unknown. An unknown customer with an email becomes a new contact; without an email, the row is rejected |
 * | placed_at   | ISO 8601 date-time (no offset = UTC) |
 * | total       | amount ≥ 0 with a dot for decimals (19.90) |
 * | currency    | ISO 4217 (EUR); default SHOP_CURRENCY |
 * | coupon_code | coupon used, if any |
 * | status      | paid (default), cancelled or refunded; only paid orders count as purchases |
 *
 * The file is streamed and written in batches (1,000 rows per statement by default), each batch in
 * its own transaction, so an interrupted import can simply be run again. Importing the same file
 * twice changes nothing: the second run reports every row unchanged. (A file that lists the same
 * contact or order twice applies its rows in order; a second run then reports the earlier row as
 * an update.)
 *
 * Exit codes: 0 every row imported; 1 some rows rejected (each reported with its line number and
 * the column at fault; the good rows are imported); 2 a bad file (unreadable, not CSV, a required
 * column missing).
 */
import fs from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { type CsvError, parse } from 'csv-parse';
import {
  CONTACT_FIELD_COLUMNS,
  type ContactField,
  type ContactInput,
  formatContactIssues,
  normaliseEmail,
  parseIsoTimestamp,
  validateContactInput,
} from '../domain/contacts.js';
import { selectByKeys, upsertContacts } from '../db/contacts.js';
import type { Executor } from '../db/database.js';
import {
  DEFAULT_ORDER_SOURCE,
  type OrderInput,
  type OrderStatus,
  upsertOrders,
} from '../db/orders.js';
import type { Database } from '../db/schema.js';
import type { Kysely } from 'kysely';
import { CliError, type CliContext, printJson } from './context.js';
import { createProgress, wantsProgress } from './progress.js';

export const CONTACT_COLUMNS = Object.values(CONTACT_FIELD_COLUMNS);
export const ORDER_COLUMNS = [
  'order_id',
  'customer_id',
  'email',
  'placed_at',
  'total',
  'currency',
  'coupon_code',
  'status',
] as const;

/** A file that cannot be imported at all: unreadable, not CSV, a required column missing. Exit code 2. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
}

export interface RowIssue {
  /** Line of the file (the header is line 1; for a quoted value spanning lines, the row's last line). */
  line: number;
  /** Names the column at fault, e.g. `email: "x" is not a valid email address`. */
  reason: string;
}

export interface ImportSummary {
  kind: 'contacts' | 'orders';
  file: string;
  /** Data rows read. */
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Orders only: contacts created from the email of an unknown customer. */
  contactsCreated?: number;
  /** Header columns that are not part of the format (ignored). */
  ignoredColumns: string[];
  /** The rejected rows, in file order (the first `maxIssues`). */
  issues: RowIssue[];
  /** Rejected rows beyond `issues`. */
  moreIssues: number;
}

export interface ImportOptions {
  /** Rows per batch (statement, transaction). Default 1000. */
  batchSize?: number;
  /** Time of newsletter / SMS consent changes. Default: now. */
  now?: Date;
  /** Called after each batch. */
  onProgress?: (done: { bytes: number; rows: number }) => void;
  /** Rejected rows kept in the summary. Default 1000. */
  maxIssues?: number;
  /** Name of the input in messages (default: the path, or "input"). */
  name?: string;
}

export interface OrderImportOptions extends ImportOptions {
  /** Currency of rows without one (SHOP_CURRENCY). Default EUR. */
  defaultCurrency?: string;
  /** orders.source of the imported orders. Default "import". */
  orderSource?: string;
}

type Db = Kysely<Database>;

// ---------------------------------------------------------------------------------------------
// Reading CSV

interface CsvRow {
  line: number;
  /** Non-empty cells by (lower-cased) column name. */
  cells: Map<string, string>;
}

interface CsvReader {
  columns: string[];
  ignoredColumns: string[];
  rows: AsyncGenerator<CsvRow | RowIssue>;
  bytes(): number;
}

async function openInput(input: string | Readable): Promise<Readable> {
  if (typeof input !== 'string') return input;
  try {
    const s = await stat(input);
    if (!s.isFile()) throw new Error('not a file');
  } catch (error) {
    throw new CsvFileError(`cannot read ${input}: ${(error as Error).message}`);
  }
  return fs.createReadStream(input);
}

/**
 * Stream a CSV: the header (checked by `checkHeader`, which throws CsvFileError), then each row as
 * its cells or as an issue (malformed CSV, wrong number of fields). Backpressure: the file is read
 * as fast as the rows are consumed.
 */
async function readCsv(
  input: string | Readable,
  name: string,
  known: readonly string[],
  checkHeader: (columns: string[]) => string | null,
): Promise<CsvReader> {
  const stream = await openInput(input);
  const skipped: RowIssue[] = [];
  const parser = parse({
    bom: true,
    info: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      skipped.push({
        line: Number(err?.lines ?? 0),
        reason: `not valid CSV: ${err?.message ?? 'unreadable record'}`,
      });
      return undefined;
    },
  });
  stream.on('error', (error) => parser.destroy(error));
  stream.pipe(parser);
  let bytes = 0;
  const iterator = (
    parser as AsyncIterable<{ record: string[]; info: { lines: number; bytes: number } }>
  )[Symbol.asyncIterator]();

  let first: IteratorResult<{ record: string[]; info: { lines: number; bytes: number } }>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw new CsvFileError(`${name}: ${(error as Error).message}`);
  }
  if (first.done) throw new CsvFileError(`${name}: empty file; expected a header row`);
  const columns = first.value.record.map((c) => c.trim().toLowerCase());
  const duplicates = columns.filter((c, i) => c && columns.indexOf(c) !== i);
  if (duplicates.length > 0)
    throw new CsvFileError(
      `${name}: the header repeats the column${duplicates.length > 1 ? 's' : ''} ${[...new Set(duplicates)].join(', ')}`,
    );
  const problem = checkHeader(columns);
  if (problem)
    throw new CsvFileError(
      `${name}: ${problem} (the header has: ${columns.join(', ') || 'nothing'})`,
    );
  const ignoredColumns = columns.filter((c) => c && !known.includes(c));

  async function* rows(): AsyncGenerator<CsvRow | RowIssue> {
    while (true) {
      let next: IteratorResult<{ record: string[]; info: { lines: number; bytes: number } }>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new CsvFileError(`${name}: ${(error as Error).message}`);
      }
      yield* skipped.splice(0);
      if (next.done) return;
      const { record, info } = next.value;
      bytes = info.bytes;
      if (record.length < columns.length || record.slice(columns.length).some((c) => c !== '')) {
        yield {
          line: info.lines,
          reason: `expected ${columns.length} fields as in the header, found ${record.length}`,
        };
        continue;
      }
      const cells = new Map<string, string>();
      columns.forEach((column, i) => {
        const value = record[i];
        if (column && value) cells.set(column, value);
      });
      yield { line: info.lines, cells };
    }
  }
  return { columns, ignoredColumns, rows: rows(), bytes: () => bytes };
}

const isIssue = (row: CsvRow | RowIssue): row is RowIssue => 'reason' in row;

class Tally {
  readonly summary: ImportSummary;
  constructor(
    kind: ImportSummary['kind'],
    file: string,
    ignoredColumns: string[],
    private readonly maxIssues: number,
  ) {
    this.summary = {
      kind,
      file,
      rows: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      ignoredColumns,
      issues: [],
      moreIssues: 0,
    };
  }
  count(action: 'inserted' | 'updated' | 'unchanged'): void {
    this.summary[action]++;
  }
  reject(issue: RowIssue): void {
    this.summary.rejected++;
    if (this.summary.issues.length < this.maxIssues) this.summary.issues.push(issue);
    else this.summary.moreIssues++;
  }
  finish(): ImportSummary {
    this.summary.issues.sort((a, b) => a.line - b.line);
    return this.summary;
  }
}

// ---------------------------------------------------------------------------------------------
// Contacts

const COLUMN_FIELDS = Object.fromEntries(
  Object.entries(CONTACT_FIELD_COLUMNS).map(([f, c]) => [c, f]),
) as Record<string, ContactField>;

/** Import contacts from a CSV file (path) or stream. See the module comment for the columns. */
export async function importContactsCsv(
  db: Db,
  input: string | Readable,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const name = opts.name ?? (typeof input === 'string' ? input : 'input');
  const reader = await readCsv(input, name, CONTACT_COLUMNS, (columns) =>
    columns.includes('external_id') || columns.includes('email')
      ? null
      : 'missing column: the header needs external_id or email (or both)',
  );
  const tally = new Tally('contacts', name, reader.ignoredColumns, opts.maxIssues ?? 1000);
  const batchSize = opts.batchSize ?? 1000;
  const now = opts.now ?? new Date();
  let batch: { line: number; input: ContactInput }[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const outcomes = await upsertContacts(
      db,
      batch.map((b) => b.input),
      { now },
    );
    outcomes.forEach((outcome, i) => {
      if (outcome.action === 'rejected') {
        const column = outcome.field ? CONTACT_FIELD_COLUMNS[outcome.field] : '';
        tally.reject({
          line: batch[i]!.line,
          reason: column ? `${column}: ${outcome.reason}` : outcome.reason,
        });
      } else tally.count(outcome.action);
    });
    batch = [];
    opts.onProgress?.({ bytes: reader.bytes(), rows: tally.summary.rows });
  };

  for await (const row of reader.rows) {
    tally.summary.rows++;
    if (isIssue(row)) {
      tally.reject(row);
      continue;
    }
    const raw: Record<string, string> = {};
    for (const [column, value] of row.cells) {
      const field = COLUMN_FIELDS[column];
      if (field) raw[field] = value;
    }
    const result = validateContactInput(raw);
    if (!result.ok) {
      tally.reject({
        line: row.line,
        reason: formatContactIssues(result.issues, (f) => CONTACT_FIELD_COLUMNS[f]),
      });
      continue;
    }
    batch.push({ line: row.line, input: result.value });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return tally.finish();
}

// ---------------------------------------------------------------------------------------------
// Orders

const STATUS_WORDS: Record<string, OrderStatus> = {
  paid: 'paid',
  cancelled: 'cancelled',
  canceled: 'cancelled',
  refunded: 'refunded',
};

interface ParsedOrder {
  line: number;
  orderId: string;
  customerId: string | undefined;
  email: string | undefined;
  placedAt: Date;
  total: number;
  currency: string;
  couponCode: string | null;
  status: OrderStatus;
}

function parseOrderRow(row: CsvRow, defaultCurrency: string): ParsedOrder | RowIssue {
  const problems: string[] = [];
  const cell = (c: string): string | undefined => row.cells.get(c);
  const orderId = cell('order_id');
  if (!orderId) problems.push('order_id: is required');
  const customerId = cell('customer_id');
  let email: string | undefined;
  const rawEmail = cell('email');
  if (rawEmail) {
    try {
      email = normaliseEmail(rawEmail);
    } catch (error) {
      problems.push(`email: ${(error as Error).message}`);
    }
  }
  if (!customerId && !rawEmail)
    problems.push('customer_id or email is required to find the customer');
  const rawPlacedAt = cell('placed_at');
  const placedAt = rawPlacedAt ? parseIsoTimestamp(rawPlacedAt) : null;
  if (!rawPlacedAt) problems.push('placed_at: is required');
  else if (!placedAt)
    problems.push(
      `placed_at: "${rawPlacedAt}" is not an ISO 8601 date-time (e.g. 2024-03-01T10:00:00Z)`,
    );
  const rawTotal = cell('total');
  let total = NaN;
  if (!rawTotal) problems.push('total: is required');
  else if (/^\d+,\d{1,2}$/.test(rawTotal))
    problems.push(`total: "${rawTotal}" uses a decimal comma; write ${rawTotal.replace(',', '.')}`);
  else if (!/^\d+(\.\d+)?$/.test(rawTotal))
    problems.push(`total: "${rawTotal}" is not an amount ≥ 0 such as 19.90`);
  else {
    total = Number(rawTotal);
    if (total >= 1e12) problems.push(`total: "${rawTotal}" is too large`);
    else if (Math.abs(Math.round(total * 100) - total * 100) > 1e-6)
      problems.push(`total: "${rawTotal}" has more than 2 decimals`);
  }
  const rawCurrency = cell('currency');
  const currency = (rawCurrency ?? defaultCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    problems.push(`currency: "${rawCurrency}" is not an ISO 4217 code such as EUR`);
  const rawStatus = cell('status');
  const status = rawStatus ? STATUS_WORDS[rawStatus.toLowerCase()] : 'paid';
  if (!status) problems.push(`status: "${rawStatus}" is not one of paid, cancelled, refunded`);
  if (problems.length > 0) return { line: row.line, reason: problems.join('; ') };
  return {
    line: row.line,
    orderId: orderId!,
    customerId,
    email,
    placedAt: placedAt!,
    total,
    currency,
    couponCode: cell('coupon_code') ?? null,
    status: status!,
  };
}

/** Contact ids of a batch of orders' customers, creating the unknown ones that have an email. */
async function resolveCustomers(
  trx: Executor,
  orders: readonly ParsedOrder[],
  now: Date,
): Promise<{ contactIds: (number | RowIssue)[]; created: number }> {
  const found = await selectByKeys(
    trx,
    orders.map((o) => ({ externalId: o.customerId, email: o.email })),
  );
  const byExternal = new Map<string, { id: number; external_id: string | null }>();
  const byEmail = new Map<string, { id: number; external_id: string | null }>();
  for (const c of found) {
    if (c.external_id) byExternal.set(c.external_id, c);
    if (c.email) byEmail.set(c.email.toLowerCase(), c);
  }

  const resolved: (number | RowIssue | { create: string })[] = orders.map((o) => {
    const known = o.customerId ? byExternal.get(o.customerId) : undefined;
    if (known) return known.id;
    const viaEmail = o.email ? byEmail.get(o.email) : undefined;
    if (viaEmail) {
      if (o.customerId && viaEmail.external_id && viaEmail.external_id !== o.customerId) {
        return {
          line: o.line,
          reason: `customer_id: "${o.customerId}" is unknown and email "${o.email}" belongs to customer "${viaEmail.external_id}"`,
        };
      }
      return viaEmail.id;
    }
    if (!o.email) {
      return {
        line: o.line,
        reason: `customer_id: no contact has external_id "${o.customerId}"; import the contacts first, or give the customer's email`,
      };
    }
    return { create: o.customerId ? `x:${o.customerId}` : `e:${o.email}` };
  });

  // New contacts, one per customer, from the first order that names it.
  const toCreate = new Map<string, ContactInput>();
  orders.forEach((o, i) => {
    const r = resolved[i];
    if (typeof r === 'object' && 'create' in r && !toCreate.has(r.create)) {
      toCreate.set(
        r.create,
        o.customerId ? { externalId: o.customerId, email: o.email! } : { email: o.email! },
      );
    }
  });
  const createdIds = new Map<string, number | string>();
  let created = 0;
  if (toCreate.size > 0) {
    const keys = [...toCreate.keys()];
    const outcomes = await upsertContacts(trx, [...toCreate.values()], { now });
    outcomes.forEach((outcome, i) => {
      if (outcome.action === 'rejected') {
        createdIds.set(
          keys[i]!,
          `${outcome.field ? `${CONTACT_FIELD_COLUMNS[outcome.field] === 'external_id' ? 'customer_id' : CONTACT_FIELD_COLUMNS[outcome.field]}: ` : ''}${outcome.reason}`,
        );
      } else {
        if (outcome.action === 'inserted') created++;
        createdIds.set(keys[i]!, outcome.contact.id);
      }
    });
  }
  const contactIds = resolved.map((r, i): number | RowIssue => {
    if (typeof r === 'number' || 'reason' in r) return r;
    const id = createdIds.get(r.create);
    return typeof id === 'number' ? id : { line: orders[i]!.line, reason: String(id) };
  });
  return { contactIds, created };
}

/** Import orders from a CSV file (path) or stream. See the module comment for the columns. */
export async function importOrdersCsv(
  db: Db,
  input: string | Readable,
  opts: OrderImportOptions = {},
): Promise<ImportSummary> {
  const name = opts.name ?? (typeof input === 'string' ? input : 'input');
  const reader = await readCsv(input, name, ORDER_COLUMNS, (columns) => {
    const missing = ['order_id', 'placed_at', 'total'].filter((c) => !columns.includes(c));
    if (!columns.includes('customer_id') && !columns.includes('email'))
      missing.push('customer_id or email');
    return missing.length > 0
      ? `missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`
      : null;
  });
  const tally = new Tally('orders', name, reader.ignoredColumns, opts.maxIssues ?? 1000);
  tally.summary.contactsCreated = 0;
  const batchSize = opts.batchSize ?? 1000;
  const now = opts.now ?? new Date();
  const defaultCurrency = opts.defaultCurrency ?? 'EUR';
  const source = opts.orderSource ?? DEFAULT_ORDER_SOURCE;
  let batch: ParsedOrder[] = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const orders = batch;
    batch = [];
    await db.transaction().execute(async (trx) => {
      const { contactIds, created } = await resolveCustomers(trx, orders, now);
      tally.summary.contactsCreated! += created;
      const inputs: OrderInput[] = [];
      orders.forEach((o, i) => {
        const contact = contactIds[i]!;
        if (typeof contact !== 'number') return tally.reject(contact);
        inputs.push({
          source,
          externalId: o.orderId,
          contactId: contact,
          placedAt: o.placedAt,
          total: o.total,
          currency: o.currency,
          couponCode: o.couponCode,
          status: o.status,
        });
      });
      for (const result of await upsertOrders(trx, inputs)) tally.count(result.action);
    });
    opts.onProgress?.({ bytes: reader.bytes(), rows: tally.summary.rows });
  };

  for await (const row of reader.rows) {
    tally.summary.rows++;
    if (isIssue(row)) {
      tally.reject(row);
      continue;
    }
    const parsed = parseOrderRow(row, defaultCurrency);
    if (isIssueLike(parsed)) {
      tally.reject(parsed);
      continue;
    }
    batch.push(parsed);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return tally.finish();
}

const isIssueLike = (v: ParsedOrder | RowIssue): v is RowIssue => 'reason' in v;

// ---------------------------------------------------------------------------------------------
// The commands

const MAX_ISSUES_SHOWN = 100;

export function formatImportSummary(s: ImportSummary): string {
  const created =
    s.contactsCreated !== undefined
      ? `, ${s.contactsCreated} contact${s.contactsCreated === 1 ? '' : 's'} created`
      : '';
  return (
    `${s.file}: ${s.rows} ${s.kind === 'contacts' ? 'contact' : 'order'} row${s.rows === 1 ? '' : 's'}: ` +
    `${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected${created}`
  );
}

interface ImportCommandOptions {
  json?: boolean;
  progress?: boolean;
  batchSize: string;
}

async function runImport(
  ctx: CliContext,
  kind: 'contacts' | 'orders',
  file: string,
  opts: ImportCommandOptions,
): Promise<void> {
  const batchSize = Number(opts.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    throw new CliError(
      `--batch-size must be a whole number from 1 to 5000 (got ${opts.batchSize})`,
      2,
    );
  }
  let totalBytes: number | undefined;
  try {
    totalBytes = (await stat(file)).size;
  } catch {
    totalBytes = undefined; // reported by the import itself
  }
  const progress = createProgress({
    enabled: wantsProgress(opts.progress),
    label: `import ${kind}`,
    totalBytes,
  });
  let summary: ImportSummary;
  try {
    const common = {
      batchSize,
      onProgress: (done: { bytes: number; rows: number }) => progress.update(done),
    };
    summary =
      kind === 'contacts'
        ? await importContactsCsv(ctx.db(), file, common)
        : await importOrdersCsv(ctx.db(), file, {
            ...common,
            defaultCurrency: ctx.config.shop.currency,
          });
  } catch (error) {
    if (error instanceof CsvFileError) throw new CliError(error.message, 2);
    throw error;
  } finally {
    progress.stop();
  }

  // Problems go to stderr, the summary to stdout (JSON with --json).
  if (summary.ignoredColumns.length > 0) {
    console.error(
      `${file}: ignoring unknown column${summary.ignoredColumns.length > 1 ? 's' : ''} ${summary.ignoredColumns.join(', ')}`,
    );
  }
  for (const issue of summary.issues.slice(0, MAX_ISSUES_SHOWN))
    console.error(`${file}:${issue.line}: ${issue.reason}`);
  const hidden = summary.rejected - Math.min(summary.issues.length, MAX_ISSUES_SHOWN);
  if (hidden > 0)
    console.error(
      `… and ${hidden} more rejected rows${opts.json ? '' : ' (--json lists the first 1000)'}`,
    );
  if (opts.json) printJson(summary);
  else console.log(formatImportSummary(summary));
  if (summary.rejected > 0) {
    throw new CliError(
      `${summary.rejected} of ${summary.rows} rows rejected (the others were imported); fix them and import the file again`,
      1,
    );
  }
}

export function registerImportCommands(program: Command, ctx: CliContext): void {
  const command = program
    .command('import')
    .description(
      "Import the shop's contacts or orders from CSV (idempotent: importing again changes nothing)",
    );
  const common = (c: Command): Command =>
    c
      .option('--json', 'print the summary as JSON (rejected rows included)')
      .option('--progress', 'show a progress bar on stderr even when it is not a terminal')
      .option('--no-progress', 'never show a progress bar')
      .option('--batch-size <rows>', 'rows per INSERT statement and transaction', '1000');
  common(
    command
      .command('contacts')
      .description(
        'Import contacts. Columns: external_id and/or email (required), phone, first_name, last_name, locale, ' +
          'timezone, country, tags (semicolon-separated), newsletter_status, sms_consent, registered_at',
      )
      .argument('<file>', 'CSV file with a header row'),
  ).action((file: string, opts: ImportCommandOptions) => runImport(ctx, 'contacts', file, opts));
  common(
    command
      .command('orders')
      .description(
        'Import orders. Columns: order_id, placed_at, total, customer_id and/or email (required), currency, coupon_code, ' +
          'status (paid, cancelled, refunded). An unknown customer with an email becomes a new contact.',
      )
      .argument('<file>', 'CSV file with a header row'),
  ).action((file: string, opts: ImportCommandOptions) => runImport(ctx, 'orders', file, opts));
}
