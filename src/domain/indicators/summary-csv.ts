/**
 * Fitting the value models to a per-customer summary CSV (`boomerang model fit --summary`): the
 * columns `frequency`, `recency` and `T` (lifetimes' names; times in any one unit — Boomerang
 * uses days), and optionally `monetary_value` (mean value of the repeat purchases). Other columns
 * are ignored. Rows that cannot be used are reported with their line number and skipped.
 */
import { parse } from 'csv-parse/sync';
import { checkObservation, fitBgNbd, type BgNbdFit, type BgNbdObservation } from './bgnbd.js';
import { fitGammaGamma, type GammaGammaFit, type GammaGammaObservation } from './gamma-gamma.js';

export const REQUIRED_COLUMNS = ['frequency', 'recency', 'T'] as const;
export const MONETARY_COLUMN = 'monetary_value';

/** A problem with the input as a whole (missing columns, nothing to fit): exit code 1. */
export class SummaryFileError extends Error {
  override name = 'SummaryFileError';
}

export interface SummaryRowIssue {
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  readonly reason: string;
}

export interface SummaryFileFit {
  /** Customers the BG/NBD model was fitted on. */
  readonly n: number;
  readonly bgnbd: BgNbdFit;
  /** Null when the file has no monetary_value column (or no usable repeat customer). */
  readonly gammaGamma: GammaGammaFit | null;
  /** Rows skipped (or excluded from the Gamma-Gamma fit), with the reason. */
  readonly issues: readonly SummaryRowIssue[];
}

/** A number, or NaN for an empty or malformed field (unlike Number(''), which is 0). */
function parseNumber(field: string | undefined): number {
  const s = field?.trim() ?? '';
  return s === '' ? NaN : Number(s);
}

/**
 * Parse summary CSV text and fit BG/NBD on every valid row, Gamma-Gamma on the valid rows with
 * frequency > 0 when there is a monetary_value column. Throws SummaryFileError if a required
 * column is missing or nothing can be fitted.
 */
export function fitSummaryCsv(text: string, source = 'input'): SummaryFileFit {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` each record comes as { record, info }; csv-parse's types do not model that.
    records = parse(text, {
      info: true,
      // Accept files whose line endings are mixed (e.g. concatenated exports).
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new SummaryFileError(
      `${source}: not valid CSV: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const header = records[0]?.record;
  if (!header) {
    throw new SummaryFileError(
      `${source}: empty file; expected a header with ${REQUIRED_COLUMNS.join(', ')}`,
    );
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new SummaryFileError(
      `${source}: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        `(header has: ${header.join(', ')}). ` +
        `Expected ${REQUIRED_COLUMNS.join(', ')} and optionally ${MONETARY_COLUMN}.`,
    );
  }
  const col = (name: string): number => header.indexOf(name);
  const iFrequency = col('frequency');
  const iRecency = col('recency');
  const iT = col('T');
  const iMonetary = col(MONETARY_COLUMN);
  const hasMonetary = iMonetary >= 0;

  const purchases: BgNbdObservation[] = [];
  const spend: GammaGammaObservation[] = [];
  const issues: SummaryRowIssue[] = [];
  for (let k = 1; k < records.length; k++) {
    const { record, info } = records[k]!;
    const line = info.lines;
    if (record.length < header.length) {
      issues.push({ line, reason: `expected ${header.length} fields, found ${record.length}` });
      continue;
    }
    const frequency = parseNumber(record[iFrequency]);
    const recency = parseNumber(record[iRecency]);
    const T = parseNumber(record[iT]);
    const notNumber = (
      [
        ['frequency', frequency, iFrequency],
        ['recency', recency, iRecency],
        ['T', T, iT],
      ] as const
    ).find(([, value]) => Number.isNaN(value));
    const problem = notNumber
      ? `${notNumber[0]} is not a number ("${record[notNumber[2]] ?? ''}")`
      : checkObservation(frequency, recency, T);
    if (problem) {
      issues.push({ line, reason: problem });
      continue;
    }
    purchases.push({ frequency, recency, T });
    if (hasMonetary && frequency > 0) {
      const monetaryValue = parseNumber(record[iMonetary]);
      if (Number.isFinite(monetaryValue) && monetaryValue > 0) {
        spend.push({ frequency, monetaryValue });
      } else {
        issues.push({
          line,
          reason:
            `${MONETARY_COLUMN} must be a number > 0 when frequency > 0 (got "${record[iMonetary] ?? ''}"); ` +
            'row left out of the Gamma-Gamma fit',
        });
      }
    }
  }
  if (purchases.length === 0) throw new SummaryFileError(`${source}: no usable rows`);
  let bgnbd: BgNbdFit;
  try {
    bgnbd = fitBgNbd(purchases);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SummaryFileError(`${source}: BG/NBD fit failed: ${detail}`);
  }
  const gammaGamma = hasMonetary && spend.length > 0 ? fitGammaGamma(spend) : null;
  return { n: bgnbd.n, bgnbd, gammaGamma, issues };
}
