/** What an import did: counts, rejected rows, reported conflicts. */
import type { Readable } from 'node:stream';
import { type CsvReader, type CsvRow, isIssue, readCsv, type RowIssue } from './csv.js';
import type { ImportFormat } from './shopify.js';

export interface ImportSummary {
  kind: 'contacts' | 'orders';
  file: string;
  /** Data rows read (for a Shopify orders export: orders read, each counted once whatever its line items). */
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
  /** Orders only: rows imported with a conflict reported (an email that belongs to another customer). */
  conflicts?: RowIssue[];
  /** Shopify orders only: orders left out because they are not purchases yet (pending, authorized). */
  skipped?: RowIssue[];
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
  /** Whose columns the file has: Boomerang's (default) or those of Shopify's export. */
  format?: ImportFormat;
}

export interface OrderImportOptions extends ImportOptions {
  /** Currency of rows without one (SHOP_CURRENCY). Default EUR. */
  defaultCurrency?: string;
  /** orders.source of the imported orders. Default "import". */
  orderSource?: string;
  /** How far `placed_at` may be ahead of `now` (EVENT_CLOCK_TOLERANCE_SECONDS). Default 300. */
  clockToleranceSeconds?: number;
}

export class Tally {
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
  conflict(issue: RowIssue): void {
    (this.summary.conflicts ??= []).push(issue);
  }
  /** An order read but left out (it counts among the rows, not among the rejected). */
  skip(issue: RowIssue): void {
    this.summary.rows++;
    (this.summary.skipped ??= []).push(issue);
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

/**
 * Opens an import of `kind`: the CSV (its header checked by `checkHeader`, see readCsv) and the
 * tally that keeps its summary, both naming the input by `opts.name`, else its path, else "input".
 */
export async function openImport(
  kind: ImportSummary['kind'],
  input: string | Readable,
  opts: Pick<ImportOptions, 'name' | 'maxIssues'>,
  known: readonly string[],
  checkHeader: (columns: string[]) => string | null,
): Promise<{ reader: CsvReader; tally: Tally }> {
  const name = opts.name ?? (typeof input === 'string' ? input : 'input');
  const reader = await readCsv(input, name, known, checkHeader);
  const tally = new Tally(kind, name, reader.ignoredColumns, opts.maxIssues ?? 1000);
  return { reader, tally };
}

/**
 * Reads every row of `reader`: a bad row (unreadable, or refused by `parse`) is rejected in the
 * tally, a good one joins a batch that `write` gets `size` rows at a time.
 */
export async function importInBatches<T extends object>(
  reader: CsvReader,
  tally: Tally,
  opts: Pick<ImportOptions, 'batchSize' | 'onProgress'>,
  parse: (row: CsvRow) => T | RowIssue,
  write: (batch: T[]) => Promise<void>,
): Promise<ImportSummary> {
  const size = opts.batchSize ?? 1000;
  let batch: T[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await write(rows);
    opts.onProgress?.({ bytes: reader.bytes(), rows: tally.summary.rows });
  };
  for await (const row of reader.rows) {
    tally.summary.rows++;
    const parsed = isIssue(row) ? row : parse(row);
    if (isIssue(parsed)) {
      tally.reject(parsed);
      continue;
    }
    batch.push(parsed);
    if (batch.length >= size) await flush();
  }
  await flush();
  return tally.finish();
}
