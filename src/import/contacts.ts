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

/**
 * Other names a column may have: the contact's names in POST /events, so a file written with
 * them imports the same (a `newsletter` column ignored would leave every contact unsubscribed).
 */
export const CONTACT_COLUMN_ALIASES: Record<string, string> = { newsletter: 'newsletter_status' };

const COLUMN_FIELDS = Object.fromEntries(
  Object.entries(CONTACT_FIELD_COLUMNS).map(([f, c]) => [c, f]),
) as Record<string, ContactField>;
for (const [alias, column] of Object.entries(CONTACT_COLUMN_ALIASES))
  COLUMN_FIELDS[alias] = COLUMN_FIELDS[column]!;

/** The header's problem with Boomerang's columns, if any. */
function contactHeaderProblem(columns: readonly string[]): string | null {
  if (!columns.includes('external_id') && !columns.includes('email'))
    return 'missing column: the header needs external_id or email (or both)';
  for (const [alias, column] of Object.entries(CONTACT_COLUMN_ALIASES))
    if (columns.includes(alias) && columns.includes(column))
      return `the header has both ${column} and ${alias}, two names of one column; keep one`;
  return null;
}

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
    : await openImport(
        'contacts',
        input,
        opts,
        [...CONTACT_COLUMNS, ...Object.keys(CONTACT_COLUMN_ALIASES)],
        contactHeaderProblem,
      );
  // Messages name the file's own columns.
  const name = (field: ContactField): string => {
    const column = CONTACT_FIELD_COLUMNS[field];
    if (shopify) return SHOPIFY_CONTACT_NAMES[column] ?? column;
    return reader.columns.find((c) => CONTACT_COLUMN_ALIASES[c] === column) ?? column;
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
