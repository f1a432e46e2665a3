/**
 * Shopify's own CSV exports, read as Boomerang's import format: each customer or order of the
 * export becomes the row a hand-written Boomerang CSV would hold (own column names), so the same
 * validation and the same writes apply. Messages name Shopify's columns.
 *
 * Customers export (help.shopify.com/en/manual/customers/import-export-customers): one row per
 * customer. Read: Customer ID → external_id, Email, First Name, Last Name, Phone,
 * Default Address Country Code (older exports: Country Code) → country, Tags (comma-separated),
 * Accepts Email Marketing (yes → subscribed), Accepts SMS Marketing (yes → SMS consent). A `no`
 * leaves the stored consent as it is — a new contact has none: Shopify's `no` does not tell a
 * customer who unsubscribed from one who never subscribed, and the Shopify webhook reads its
 * `accepts_marketing: false` the same way. Shopify writes ids and phone numbers with a leading
 * apostrophe (for spreadsheets); it is dropped.
 *
 * Orders export (help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders, "Order
 * export CSV structure"): one row per line item; an order with several items shows the others on
 * rows of their own with the same Name and most fields blank. An order is counted once, from its
 * first row: Name, Email, Financial Status, Created at → placed_at, Total, Currency,
 * Discount Code, Cancelled at, and Id (Shopify's order id, the key its webhooks use) →
 * order_id, falling back to Name. Orders are stored with source `shopify`, so an order the
 * export and a webhook both bring is one order.
 */
import type { OrderStatus } from '../db/orders.js';
import { SHOPIFY_FINANCIAL_STATUSES, shopifyOrderState } from '../domain/shopify-orders.js';
import type { CsvReader, CsvRow, RowIssue } from './csv.js';
import { isIssue } from './csv.js';

export const IMPORT_FORMATS = ['own', 'shopify'] as const;
/** `own`: Boomerang's columns (README "Importing contacts and orders"); `shopify`: Shopify's exports. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** orders.source of orders from Shopify's export: the same as its webhooks', see src/inbox/shopify.ts. */
export const SHOPIFY_EXPORT_ORDER_SOURCE = 'shopify';

/** The customers export's columns, older and current names (the current export says "Default Address …"). */
export const SHOPIFY_CUSTOMER_COLUMNS = [
  'Customer ID',
  'First Name',
  'Last Name',
  'Email',
  'Accepts Email Marketing',
  'Default Address Company',
  'Default Address Address1',
  'Default Address Address2',
  'Default Address City',
  'Default Address Province Code',
  'Default Address Country Code',
  'Default Address Zip',
  'Default Address Phone',
  'Company',
  'Address1',
  'Address2',
  'City',
  'Province',
  'Province Code',
  'Country',
  'Country Code',
  'Zip',
  'Phone',
  'Accepts SMS Marketing',
  'Total Spent',
  'Total Orders',
  'Note',
  'Tax Exempt',
  'Tags',
].map((c) => c.toLowerCase());

/** The orders export's columns; Boomerang reads the order-level ones named in the module comment. */
export const SHOPIFY_ORDER_COLUMNS = [
  'Name',
  'Email',
  'Financial Status',
  'Paid at',
  'Fulfillment Status',
  'Fulfilled at',
  'Accepts Marketing',
  'Currency',
  'Subtotal',
  'Shipping',
  'Taxes',
  'Total',
  'Discount Code',
  'Discount Amount',
  'Shipping Method',
  'Created at',
  'Lineitem quantity',
  'Lineitem name',
  'Lineitem price',
  'Lineitem compare at price',
  'Lineitem sku',
  'Lineitem requires shipping',
  'Lineitem taxable',
  'Lineitem fulfillment status',
  'Billing Name',
  'Billing Street',
  'Billing Address1',
  'Billing Address2',
  'Billing Company',
  'Billing City',
  'Billing Zip',
  'Billing Province',
  'Billing Country',
  'Billing Phone',
  'Shipping Name',
  'Shipping Street',
  'Shipping Address1',
  'Shipping Address2',
  'Shipping Company',
  'Shipping City',
  'Shipping Zip',
  'Shipping Province',
  'Shipping Country',
  'Shipping Phone',
  'Notes',
  'Note Attributes',
  'Cancelled at',
  'Payment Method',
  'Payment Reference',
  'Refunded Amount',
  'Vendor',
  'Outstanding Balance',
  'Employee',
  'Location',
  'Device ID',
  'Id',
  'Tags',
  'Risk Level',
  'Source',
  'Lineitem discount',
  'Tax 1 Name',
  'Tax 1 Value',
  'Tax 2 Name',
  'Tax 2 Value',
  'Tax 3 Name',
  'Tax 3 Value',
  'Tax 4 Name',
  'Tax 4 Value',
  'Tax 5 Name',
  'Tax 5 Value',
  'Phone',
  'Receipt Number',
  'Duties',
  'Billing Province Name',
  'Shipping Province Name',
  'Payment ID',
  'Payment Terms Name',
  'Next Payment Due At',
  'Payment References',
].map((c) => c.toLowerCase());

/** Shopify's header for each own column the mapping fills, for messages. */
export const SHOPIFY_CONTACT_NAMES: Record<string, string> = {
  external_id: 'Customer ID',
  email: 'Email',
  first_name: 'First Name',
  last_name: 'Last Name',
  phone: 'Phone',
  country: 'Default Address Country Code',
  tags: 'Tags',
  newsletter_status: 'Accepts Email Marketing',
  sms_consent: 'Accepts SMS Marketing',
};

export const SHOPIFY_ORDER_NAMES: Record<string, string> = {
  order_id: 'Id',
  email: 'Email',
  placed_at: 'Created at',
  total: 'Total',
  currency: 'Currency',
  coupon_code: 'Discount Code',
  status: 'Financial Status',
};

export function checkShopifyCustomersHeader(columns: string[]): string | null {
  return columns.includes('customer id') || columns.includes('email')
    ? null
    : 'missing column: a Shopify customers export has Customer ID and Email';
}

export function checkShopifyOrdersHeader(columns: string[]): string | null {
  const missing = ['Name', 'Email', 'Financial Status', 'Created at', 'Total'].filter(
    (c) => !columns.includes(c.toLowerCase()),
  );
  return missing.length > 0
    ? `missing column${missing.length > 1 ? 's' : ''} of a Shopify orders export: ${missing.join(', ')}`
    : null;
}

/** Without the apostrophe Shopify puts before ids and phone numbers so spreadsheets keep them as text. */
const unquote = (v: string | undefined): string | undefined =>
  v?.startsWith("'") ? v.slice(1).trim() || undefined : v;

const YES = new Set(['yes', 'true']);
const NO = new Set(['no', 'false']);

/** yes → true, no → false, blank → undefined; anything else is a problem naming the column. */
function yesNo(row: CsvRow, column: string, problems: string[]): boolean | undefined {
  const raw = row.cells.get(column.toLowerCase());
  if (raw === undefined) return undefined;
  const word = raw.toLowerCase();
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  problems.push(`${column}: "${raw}" is not yes or no`);
  return undefined;
}

/** A customer row of Shopify's export as the row of a Boomerang contacts CSV. */
export function shopifyCustomerRow(row: CsvRow): CsvRow | RowIssue {
  const cell = (c: string): string | undefined => row.cells.get(c.toLowerCase());
  const problems: string[] = [];
  const own = new Map<string, string>();
  const set = (column: string, value: string | undefined): void => {
    if (value) own.set(column, value);
  };
  set('external_id', unquote(cell('Customer ID')));
  set('email', cell('Email'));
  set('first_name', cell('First Name'));
  set('last_name', cell('Last Name'));
  set('phone', unquote(cell('Phone')));
  set('country', cell('Default Address Country Code') ?? cell('Country Code'));
  // Shopify separates tags with commas; Boomerang's CSV with semicolons.
  set(
    'tags',
    cell('Tags')
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean)
      .join(';'),
  );
  if (!own.has('external_id') && !own.has('email'))
    problems.push('Customer ID or Email is required to identify the customer');
  if (yesNo(row, 'Accepts Email Marketing', problems)) own.set('newsletter_status', 'subscribed');
  if (yesNo(row, 'Accepts SMS Marketing', problems)) own.set('sms_consent', 'true');
  if (problems.length > 0) return { line: row.line, reason: problems.join('; ') };
  return { line: row.line, cells: own };
}

/** "2024-03-01 10:00:00 +0100", as Shopify writes dates, in ISO 8601; other text unchanged. */
export function shopifyTimestamp(raw: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2})?) ?([+-]\d{2}):?(\d{2})$/.exec(raw.trim());
  return m ? `${m[1]}T${m[2]}${m[3]}:${m[4]}` : raw;
}

/** The first row of an order as the row of a Boomerang orders CSV, or why it is not one. */
function shopifyOrderRow(first: CsvRow, name: string): CsvRow | RowIssue | { skip: RowIssue } {
  const cell = (c: string): string | undefined => first.cells.get(c.toLowerCase());
  const financial = cell('Financial Status');
  if (!financial && !cell('Total') && !cell('Created at'))
    return {
      line: first.line,
      reason: `Name: the first row of order ${name} (with its Financial Status, Total and Created at) is missing; only its other line items are here`,
    };
  const problems: string[] = [];
  if (!cell('Email'))
    problems.push(
      'Email: is required to find the customer (an order without a customer, such as a point-of-sale sale, cannot be attributed)',
    );
  let status: OrderStatus | undefined;
  if (!financial) problems.push('Financial Status: is required');
  else {
    const mapped = shopifyOrderState(financial, Boolean(cell('Cancelled at')));
    if ('notPaidYet' in mapped)
      return {
        skip: {
          line: first.line,
          reason: `${name}: Financial Status: ${mapped.notPaidYet}, not paid yet; import a later export once it is paid`,
        },
      };
    if ('unknown' in mapped)
      problems.push(
        `Financial Status: "${financial}" is not one of ${SHOPIFY_FINANCIAL_STATUSES.join(', ')}`,
      );
    else status = mapped.status;
  }
  const own = new Map<string, string>();
  const set = (column: string, value: string | undefined): void => {
    if (value) own.set(column, value);
  };
  set('order_id', unquote(cell('Id')) ?? name);
  set('email', cell('Email'));
  const createdAt = cell('Created at');
  set('placed_at', createdAt && shopifyTimestamp(createdAt));
  set('total', cell('Total'));
  set('currency', cell('Currency'));
  set('coupon_code', cell('Discount Code'));
  set('status', status);
  if (problems.length > 0) return { line: first.line, reason: problems.join('; ') };
  return { line: first.line, cells: own };
}

/**
 * The orders of a Shopify export, one per order: the rows that follow an order's first row with the
 * same Name are its other line items and are read with it. An order that is not a purchase yet
 * goes to `skip`, not to the rows.
 */
export function groupShopifyOrders(reader: CsvReader, skip: (issue: RowIssue) => void): CsvReader {
  async function* orders(): AsyncGenerator<CsvRow | RowIssue> {
    let current: string | undefined;
    for await (const row of reader.rows) {
      if (isIssue(row)) {
        yield row;
        continue;
      }
      const name = row.cells.get('name');
      if (!name) {
        yield { line: row.line, reason: 'Name: is required (the order this row belongs to)' };
        continue;
      }
      if (name === current) continue; // another line item of the same order
      current = name;
      const order = shopifyOrderRow(row, name);
      if ('skip' in order) skip(order.skip);
      else yield order;
    }
  }
  return { ...reader, rows: orders() };
}
