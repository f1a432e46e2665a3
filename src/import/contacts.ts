/** `boomerang import contacts`: contacts from CSV, validated, upserted in batches. See README "Importing contacts and orders". */
import type { Readable } from 'node:stream';
import {
  CONTACT_FIELD_COLUMNS,
  type ContactField,
  type ContactInput,
  formatContactIssues,
  validateContactInput,
} from '../domain/contacts.js';
import { upsertContacts } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { isIssue, type RowIssue } from './csv.js';
import {
  checkShopifyCustomersHeader,
  SHOPIFY_CONTACT_NAMES,
  SHOPIFY_CUSTOMER_COLUMNS,
  shopifyCustomerRow,
} from './shopify.js';
import { importInBatches, type ImportOptions, type ImportSummary, openImport } from './summary.js';

export const CONTACT_COLUMNS = Object.values(CONTACT_FIELD_COLUMNS);

const COLUMN_FIELDS = Object.fromEntries(
  Object.entries(CONTACT_FIELD_COLUMNS).map(([f, c]) => [c, f]),
) as Record<string, ContactField>;

/**
 * Import contacts from a CSV file (path) or stream: Boomerang's columns (see the module comment),
 * or with `format: 'shopify'` Shopify's customers export (see shopify.ts).
 */
export async function importContactsCsv(
  db: Db,
  input: string | Readable,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const shopify = opts.format === 'shopify';
  const { reader, tally } = shopify
    ? await openImport(
        'contacts',
        input,
        opts,
        SHOPIFY_CUSTOMER_COLUMNS,
        checkShopifyCustomersHeader,
      )
    : await openImport('contacts', input, opts, CONTACT_COLUMNS, (columns) =>
        columns.includes('external_id') || columns.includes('email')
          ? null
          : 'missing column: the header needs external_id or email (or both)',
      );
  // Messages name the file's own columns.
  const name = (field: ContactField): string => {
    const column = CONTACT_FIELD_COLUMNS[field];
    return shopify ? (SHOPIFY_CONTACT_NAMES[column] ?? column) : column;
  };
  const now = opts.now ?? new Date();
  return importInBatches(
    reader,
    tally,
    opts,
    (fileRow): { line: number; input: ContactInput } | RowIssue => {
      const row = shopify ? shopifyCustomerRow(fileRow) : fileRow;
      if (isIssue(row)) return row;
      const raw: Record<string, string> = {};
      for (const [column, value] of row.cells) {
        const field = COLUMN_FIELDS[column];
        if (field) raw[field] = value;
      }
      const result = validateContactInput(raw);
      if (!result.ok) return { line: row.line, reason: formatContactIssues(result.issues, name) };
      return { line: row.line, input: result.value };
    },
    async (batch) => {
      const outcomes = await upsertContacts(
        db,
        batch.map((b) => b.input),
        { now },
      );
      outcomes.forEach((outcome, i) => {
        if (outcome.action === 'rejected') {
          const column = outcome.field ? name(outcome.field) : '';
          tally.reject({
            line: batch[i]!.line,
            reason: column ? `${column}: ${outcome.reason}` : outcome.reason,
          });
        } else tally.count(outcome.action);
      });
    },
  );
}
