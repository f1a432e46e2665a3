/**
 * `boomerang import contacts FILE` and `boomerang import orders FILE`: load the shop's customers
 * and orders from CSV. The work is in src/import/; this file parses arguments and prints.
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
 * | newsletter_status | subscribed, unsubscribed or never; a change records its time (the column may be named newsletter, as in POST /events) |
 * | sms_consent       | true/false (yes/no, 1/0); a change records its time |
 * | registered_at     | ISO 8601 date or date-time (no offset = UTC) |
 *
 * Orders — order_id, placed_at, total, and customer_id or email:
 * | column      | meaning |
 * |-------------|---------|
 * | order_id    | the shop's order id; an order imported again is updated, not duplicated |
 * | customer_id | external_id of the contact |
 * | email       | email of the contact; used when customer_id is absent or unknown. An unknown customer with an email becomes a new contact; without an email, the row is rejected |
 * | placed_at   | ISO 8601 date-time (no offset = UTC); at most EVENT_CLOCK_TOLERANCE_SECONDS after the import began |
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
 * `--format shopify` reads Shopify's customers and orders exports instead (src/import/shopify.ts).
 *
 * Exit codes: 0 every row imported; 1 some rows rejected (each reported with its line number and
 * the column at fault; the good rows are imported); 2 a bad file (unreadable, not CSV, a required
 * column missing).
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { importContactsCsv } from '../import/contacts.js';
import { CsvFileError, type RowIssue } from '../import/csv.js';
import { importOrdersCsv } from '../import/orders.js';
import { IMPORT_FORMATS, type ImportFormat } from '../import/shopify.js';
import type { ImportSummary } from '../import/summary.js';
import { counted } from '../domain/counted.js';
import { CliError, type CliContext, printJson } from './context.js';
import { createProgress, wantsProgress } from './progress.js';

const MAX_ISSUES_SHOWN = 100;

/** `file:line`, or `file:line:column` when one cell is at fault. */
const where = (file: string, issue: RowIssue): string =>
  `${file}:${issue.line}${issue.column ? `:${issue.column}` : ''}`;

/** Orders are counted as orders: a Shopify export has a row per line item, not per order. */
export function formatImportSummary(s: ImportSummary): string {
  const created =
    s.contactsCreated !== undefined
      ? `, ${s.contactsCreated} contact${s.contactsCreated === 1 ? '' : 's'} created`
      : '';
  return (
    `${s.file}: ${s.kind === 'contacts' ? counted(s.rows, 'contact row') : counted(s.rows, 'order')}: ` +
    `${s.inserted} inserted, ${s.updated} updated, ${s.unchanged} unchanged, ${s.rejected} rejected${created}` +
    (s.skipped ? `, ${s.skipped.length} skipped` : '')
  );
}

type ImportKind = 'contacts' | 'orders';

interface ImportCommandOptions {
  json?: boolean;
  progress?: boolean;
  batchSize: string;
  format: string;
}

async function runImport(
  ctx: CliContext,
  kind: ImportKind,
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
  const format = opts.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(format))
    throw new CliError(`--format must be own or shopify (got ${opts.format})`, 2);
  let totalBytes: number | undefined;
  try {
    totalBytes = (await stat(file)).size;
  } catch {
    totalBytes = undefined; // reported by the import itself
  }
  const progress = createProgress({
    enabled: wantsProgress(opts.progress),
    label: `import ${kind}`,
    unit: kind === 'contacts' ? 'rows' : 'orders',
    totalBytes,
  });
  let summary: ImportSummary;
  try {
    const common = {
      batchSize,
      format,
      onProgress: (done: { bytes: number; rows: number }) => progress.update(done),
    };
    summary =
      kind === 'contacts'
        ? await importContactsCsv(ctx.db(), file, common)
        : await importOrdersCsv(ctx.db(), file, {
            ...common,
            defaultCurrency: ctx.config.shop.currency,
            clockToleranceSeconds: ctx.config.eventClockToleranceSeconds,
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
  for (const conflict of summary.conflicts ?? [])
    console.error(`${where(file, conflict)}: imported, but ${conflict.reason}`);
  for (const skipped of summary.skipped ?? [])
    console.error(`${where(file, skipped)}: skipped, ${skipped.reason}`);
  for (const issue of summary.issues.slice(0, MAX_ISSUES_SHOWN))
    console.error(`${where(file, issue)}: ${issue.reason}`);
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

/** `boomerang import <kind>`'s help: what it imports and the CSV columns it reads. */
const IMPORT_HELP: Record<ImportKind, string> = {
  contacts:
    'Import contacts. Columns: external_id and/or email (required), phone, first_name, last_name, locale, ' +
    'timezone, country, tags (semicolon-separated), newsletter_status (or newsletter), sms_consent, registered_at',
  orders:
    'Import orders. Columns: order_id, placed_at, total, customer_id and/or email (required), currency, coupon_code, ' +
    'status (paid, cancelled, refunded). An unknown customer with an email becomes a new contact.',
};

export function registerImportCommands(program: Command, ctx: CliContext): void {
  const command = program
    .command('import')
    .description(
      "Import the shop's contacts or orders from CSV (idempotent: importing again changes nothing)",
    );
  for (const [kind, description] of Object.entries(IMPORT_HELP) as [ImportKind, string][]) {
    command
      .command(kind)
      .description(description)
      .argument('<file>', 'CSV file with a header row')
      .option('--json', 'print the summary as JSON (rejected rows included)')
      .option('--progress', 'show a progress bar on stderr even when it is not a terminal')
      .option('--no-progress', 'never show a progress bar')
      .option('--batch-size <rows>', 'rows per INSERT statement and transaction', '1000')
      .option(
        '--format <own|shopify>',
        "the file's columns: Boomerang's own, or Shopify's export",
        'own',
      )
      .action((file: string, opts: ImportCommandOptions) => runImport(ctx, kind, file, opts));
  }
}
