/**
 * `boomerang model fit --summary FILE [--json]`: fit the customer-value models (BG/NBD and
 * Gamma-Gamma) to a per-customer summary CSV and print the parameters.
 *
 * The CSV needs a header with the columns `frequency`, `recency` and `T` (lifetimes' names; times
 * in any one unit — Boomerang uses days), and optionally `monetary_value` (mean value of the
 * repeat purchases). Other columns are ignored. Rows that cannot be used are reported with their
 * line number and skipped; the fit goes on with the rest.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from './context.js';
import { parse } from 'csv-parse/sync';
import {
  checkObservation,
  fitBgNbd,
  type BgNbdFit,
  type BgNbdObservation,
} from '../domain/indicators/bgnbd.js';
import {
  fitGammaGamma,
  type GammaGammaFit,
  type GammaGammaObservation,
} from '../domain/indicators/gamma-gamma.js';

const REQUIRED_COLUMNS = ['frequency', 'recency', 'T'] as const;
const MONETARY_COLUMN = 'monetary_value';

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

/** Read a summary CSV and fit both models. See {@link fitSummaryCsv}. */
export async function fitSummaryFile(path: string): Promise<SummaryFileFit> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SummaryFileError(
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return fitSummaryCsv(text, path);
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

/** The --json shape: {"n", "bgnbd": {r, alpha, a, b}, "gammaGamma": {p, q, v}} (the last if fitted). */
export function summaryFitJson(fit: SummaryFileFit): Record<string, unknown> {
  const { r, alpha, a, b } = fit.bgnbd;
  const out: Record<string, unknown> = { n: fit.n, bgnbd: { r, alpha, a, b } };
  if (fit.gammaGamma) {
    const { p, q, v } = fit.gammaGamma;
    out.gammaGamma = { p, q, v };
  }
  return out;
}

const fmt = (x: number): string =>
  Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);

/** The human-readable report. */
export function formatSummaryFit(fit: SummaryFileFit): string {
  const { bgnbd, gammaGamma } = fit;
  const rows = (pairs: [string, string][]): string[] =>
    pairs.map(([k, v]) => `  ${k.padEnd(16)}${v}`);
  const status = (f: { converged: boolean; iterations: number }): string =>
    `${f.converged ? 'converged' : 'NOT converged'} (${f.iterations} iterations)`;
  const lines = [
    `BG/NBD (purchases and drop-out), ${fit.n} customers`,
    ...rows([
      ['r', fmt(bgnbd.r)],
      ['alpha', fmt(bgnbd.alpha)],
      ['a', fmt(bgnbd.a)],
      ['b', fmt(bgnbd.b)],
      ['log-likelihood', fmt(bgnbd.logLikelihood)],
      ['optimiser', status(bgnbd)],
    ]),
  ];
  if (gammaGamma) {
    lines.push(
      '',
      `Gamma-Gamma (value per order), ${gammaGamma.n} customers with repeat purchases`,
      ...rows([
        ['p', fmt(gammaGamma.p)],
        ['q', fmt(gammaGamma.q)],
        ['v', fmt(gammaGamma.v)],
        ['log-likelihood', fmt(gammaGamma.logLikelihood)],
        ['optimiser', status(gammaGamma)],
      ]),
    );
  } else {
    lines.push('', `Gamma-Gamma not fitted (no usable ${MONETARY_COLUMN} column).`);
  }
  return lines.join('\n');
}

const MAX_ISSUES_SHOWN = 20;

export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('Customer value models (BG/NBD purchases, Gamma-Gamma spend)');
  model
    .command('fit')
    .description(
      'Fit BG/NBD and Gamma-Gamma to a per-customer summary CSV with columns frequency, recency, T ' +
        `(one time unit throughout; Boomerang uses days) and optionally ${MONETARY_COLUMN}`,
    )
    .requiredOption('--summary <file>', 'summary CSV (header required; extra columns are ignored)')
    .option('--json', 'print {"n", "bgnbd": {r, alpha, a, b}, "gammaGamma": {p, q, v}} as JSON')
    .action(async (opts: { summary: string; json?: boolean }) => {
      let fit: SummaryFileFit;
      try {
        fit = await fitSummaryFile(opts.summary);
      } catch (error) {
        if (error instanceof SummaryFileError) throw new CliError(error.message);
        throw error;
      }
      // Row problems go to stderr so that --json output stays parseable.
      for (const issue of fit.issues.slice(0, MAX_ISSUES_SHOWN)) {
        console.error(`${opts.summary}:${issue.line}: ${issue.reason}`);
      }
      if (fit.issues.length > MAX_ISSUES_SHOWN) {
        console.error(`… and ${fit.issues.length - MAX_ISSUES_SHOWN} more problem rows`);
      }
      if (opts.json) console.log(JSON.stringify(summaryFitJson(fit), null, 2));
      else console.log(formatSummaryFit(fit));
    });
}
