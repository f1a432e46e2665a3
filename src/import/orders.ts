/**
 * `boomerang import orders`: orders from CSV. Each row's customer is found by the one buyer rule
 * of db/buyers.ts (the customer id identifies the contact; a conflicting email is reported and
 * left with its contact; the order is kept).
 */
import type { Readable } from 'node:stream';
import {
  beforeEarliest,
  CONTACT_FIELD_COLUMNS,
  normaliseEmail,
  parseIsoTimestamp,
} from '../domain/contacts.js';
import { resolveBuyers } from '../db/buyers.js';
import type { Db, Executor } from '../db/database.js';
import {
  DEFAULT_ORDER_SOURCE,
  type OrderInput,
  type OrderStatus,
  upsertOrders,
} from '../db/orders.js';
import {
  aheadOfClock,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type ReceiptClock,
} from '../domain/store-clock.js';
import { type CsvRow, isIssue, type RowIssue } from './csv.js';
import {
  checkShopifyOrdersHeader,
  groupShopifyOrders,
  SHOPIFY_EXPORT_ORDER_SOURCE,
  SHOPIFY_ORDER_COLUMNS,
  SHOPIFY_ORDER_NAMES,
} from './shopify.js';
import {
  importInBatches,
  type ImportSummary,
  openImport,
  type OrderImportOptions,
} from './summary.js';

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

/**
 * One order of the CSV; messages name each column by `name` (the file's own header). Its time may
 * be ahead of the import's start by the clock tolerance at most, as an event's may be of its receipt.
 */
function parseOrderRow(
  row: CsvRow,
  defaultCurrency: string,
  clock: ReceiptClock,
  name: (column: string) => string = (c) => c,
): ParsedOrder | RowIssue {
  const problems: string[] = [];
  const cell = (c: string): string | undefined => row.cells.get(c);
  const orderId = cell('order_id');
  if (!orderId) problems.push(`${name('order_id')}: is required`);
  const customerId = cell('customer_id');
  let email: string | undefined;
  const rawEmail = cell('email');
  if (rawEmail) {
    try {
      email = normaliseEmail(rawEmail);
    } catch (error) {
      problems.push(`${name('email')}: ${(error as Error).message}`);
    }
  }
  if (!customerId && !rawEmail)
    problems.push('customer_id or email is required to find the customer');
  const rawPlacedAt = cell('placed_at');
  const placedAt = rawPlacedAt ? parseIsoTimestamp(rawPlacedAt) : null;
  if (!rawPlacedAt) problems.push(`${name('placed_at')}: is required`);
  else if (!placedAt)
    problems.push(
      `${name('placed_at')}: "${rawPlacedAt}" is not an ISO 8601 date-time (e.g. 2024-03-01T10:00:00Z)`,
    );
  else {
    // The events' rules: not before 1970, not ahead of the clock.
    const wrong =
      beforeEarliest(placedAt, rawPlacedAt) ?? aheadOfClock(placedAt, clock, 'the import began');
    if (wrong) problems.push(`${name('placed_at')}: ${wrong}`);
  }
  const rawTotal = cell('total');
  let total = NaN;
  if (!rawTotal) problems.push(`${name('total')}: is required`);
  else if (/^\d+,\d{1,2}$/.test(rawTotal))
    problems.push(
      `${name('total')}: "${rawTotal}" uses a decimal comma; write ${rawTotal.replace(',', '.')}`,
    );
  else if (!/^\d+(\.\d+)?$/.test(rawTotal))
    problems.push(`${name('total')}: "${rawTotal}" is not an amount ≥ 0 such as 19.90`);
  else {
    total = Number(rawTotal);
    if (total >= 1e12) problems.push(`${name('total')}: "${rawTotal}" is too large`);
    else if (Math.abs(Math.round(total * 100) - total * 100) > 1e-6)
      problems.push(`${name('total')}: "${rawTotal}" has more than 2 decimals`);
  }
  const rawCurrency = cell('currency');
  const currency = (rawCurrency ?? defaultCurrency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency))
    problems.push(`${name('currency')}: "${rawCurrency}" is not an ISO 4217 code such as EUR`);
  const rawStatus = cell('status');
  const status = rawStatus ? STATUS_WORDS[rawStatus.toLowerCase()] : 'paid';
  if (!status)
    problems.push(`${name('status')}: "${rawStatus}" is not one of paid, cancelled, refunded`);
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

/** The contact of each order's customer, by the buyer rule; a conflict is reported beside the id. */
async function resolveCustomers(
  trx: Executor,
  orders: readonly ParsedOrder[],
  now: Date,
  name: (column: string) => string,
): Promise<{ contacts: ({ id: number; conflict?: string } | RowIssue)[]; created: number }> {
  const buyers = await resolveBuyers(
    trx,
    orders.map((o) =>
      o.customerId ? { externalId: o.customerId, email: o.email } : { email: o.email },
    ),
    { now },
  );
  const created = new Set<number>();
  const contacts = buyers.map((b, i): { id: number; conflict?: string } | RowIssue => {
    const line = orders[i]!.line;
    switch (b.outcome) {
      case 'unknown':
        return {
          line,
          reason: `customer_id: no contact has external_id "${orders[i]!.customerId}"; import the contacts first, or give the customer's email`,
        };
      case 'rejected': {
        const column = b.field ? CONTACT_FIELD_COLUMNS[b.field] : '';
        const named = name(column === 'external_id' ? 'customer_id' : column);
        return { line, reason: named ? `${named}: ${b.reason}` : b.reason };
      }
      default:
        if (b.outcome === 'created') created.add(b.contactId);
        return { id: b.contactId, conflict: b.conflict };
    }
  });
  return { contacts, created: created.size };
}

/**
 * Import orders from a CSV file (path) or stream: Boomerang's columns (see the module comment), or
 * with `format: 'shopify'` Shopify's orders export (see shopify.ts).
 */
export async function importOrdersCsv(
  db: Db,
  input: string | Readable,
  opts: OrderImportOptions = {},
): Promise<ImportSummary> {
  const shopify = opts.format === 'shopify';
  const opened = shopify
    ? await openImport('orders', input, opts, SHOPIFY_ORDER_COLUMNS, checkShopifyOrdersHeader)
    : await openImport('orders', input, opts, ORDER_COLUMNS, (columns) => {
        const missing = ['order_id', 'placed_at', 'total'].filter((c) => !columns.includes(c));
        if (!columns.includes('customer_id') && !columns.includes('email'))
          missing.push('customer_id or email');
        return missing.length > 0
          ? `missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`
          : null;
      });
  const { tally } = opened;
  const reader = shopify
    ? groupShopifyOrders(opened.reader, (issue) => tally.skip(issue))
    : opened.reader;
  const name = shopify
    ? (column: string): string => SHOPIFY_ORDER_NAMES[column] ?? column
    : (column: string): string => column;
  tally.summary.contactsCreated = 0;
  const now = opts.now ?? new Date();
  const clock: ReceiptClock = {
    receivedAt: now,
    toleranceSeconds: opts.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
  };
  const defaultCurrency = opts.defaultCurrency ?? 'EUR';
  const source = shopify ? SHOPIFY_EXPORT_ORDER_SOURCE : (opts.orderSource ?? DEFAULT_ORDER_SOURCE);
  return importInBatches(
    reader,
    tally,
    opts,
    (row) => parseOrderRow(row, defaultCurrency, clock, name),
    async (orders) => {
      await db.transaction().execute(async (trx) => {
        const { contacts, created } = await resolveCustomers(trx, orders, now, name);
        tally.summary.contactsCreated! += created;
        const inputs: OrderInput[] = [];
        orders.forEach((o, i) => {
          const contact = contacts[i]!;
          if (isIssue(contact)) return tally.reject(contact);
          if (contact.conflict)
            tally.conflict({ line: o.line, reason: `email: ${contact.conflict}` });
          inputs.push({
            source,
            externalId: o.orderId,
            contactId: contact.id,
            placedAt: o.placedAt,
            total: o.total,
            currency: o.currency,
            couponCode: o.couponCode,
            status: o.status,
          });
        });
        for (const result of await upsertOrders(trx, inputs)) tally.count(result.action);
      });
    },
  );
}
