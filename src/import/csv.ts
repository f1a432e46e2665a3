/**
 * Reading the import's CSV files: UTF-8, comma-separated, a header row (names case-insensitive),
 * optional BOM. Rows stream with backpressure; a bad row becomes an issue with its line (and the
 * column, for a cell that holds control characters) while the rows around it go on. A file that
 * is not text at all is refused as a whole.
 */
import fs from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';

/** A file that cannot be imported at all: unreadable, not CSV, a required column missing. Exit code 2. */
export class CsvFileError extends Error {
  override name = 'CsvFileError';
}

export interface RowIssue {
  /** Line of the file (the header is line 1; for a quoted value spanning lines, the row's last line). */
  line: number;
  /** 1-based position of the cell at fault in the row, when one cell is. */
  column?: number;
  /** Names the column at fault, e.g. `email: "x" is not a valid email address`. */
  reason: string;
}

export interface CsvRow {
  line: number;
  /** Non-empty cells by (lower-cased) column name. */
  cells: Map<string, string>;
}

export interface CsvReader {
  columns: string[];
  ignoredColumns: string[];
  rows: AsyncGenerator<CsvRow | RowIssue>;
  bytes(): number;
}

export const isIssue = (row: object): row is RowIssue => 'reason' in row;

// C0 controls but tab, line feed and carriage return (which CSV may hold), and DEL.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const SNIFF_BYTES = 8192;

/**
 * Binary data, not text: many control characters or invalid UTF-8 in the first bytes. A stray
 * NUL in one cell of a real CSV stays below the bar and is reported on its row instead.
 */
export function looksBinary(head: Buffer): boolean {
  // A character cut at the end of the sample is not the file's fault.
  const text = head.subarray(0, Math.max(0, head.length - 3)).toString('utf8');
  let odd = 0;
  for (const ch of text) if (ch === '\ufffd' || CONTROL_CHARACTER.test(ch)) odd++;
  return odd > Math.max(2, text.length * 0.05);
}

/** Passes the stream through once its first bytes are known to be text. */
function refuseBinary(): Transform {
  const head: Buffer[] = [];
  let seen = 0;
  let checked = false;
  const check = (stream: Transform): Error | undefined => {
    checked = true;
    const sample = Buffer.concat(head);
    if (looksBinary(sample))
      return new CsvFileError('not a CSV file (its first bytes are binary data, not UTF-8 text)');
    stream.push(sample);
    return undefined;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (checked) return done(null, chunk);
      head.push(chunk);
      seen += chunk.length;
      done(seen >= SNIFF_BYTES ? check(this) : undefined);
    },
    flush(done) {
      done(checked ? undefined : check(this));
    },
  });
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
export async function readCsv(
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
  const text = refuseBinary();
  stream.on('error', (error) => parser.destroy(error));
  text.on('error', (error) => parser.destroy(error));
  stream.pipe(text).pipe(parser);
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
      const control = record.findIndex((value) => CONTROL_CHARACTER.test(value));
      if (control >= 0) {
        const code = CONTROL_CHARACTER.exec(record[control]!)![0].codePointAt(0)!;
        yield {
          line: info.lines,
          column: control + 1,
          reason: `${columns[control] || `column ${control + 1}`}: contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}; remove it and import the file again`,
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
