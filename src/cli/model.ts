/**
 * `boomerang model fit --summary FILE [--json]`: fit the customer-value models (BG/NBD and
 * Gamma-Gamma) to a per-customer summary CSV and print the parameters (the fitting itself is in
 * src/domain/indicators/summary-csv.ts); `boomerang model backtest`: the models against what
 * customers did after a calibration date (src/indicators/backtest.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable } from './format.js';
import { parseHorizonDays } from './indicators.js';
import { BacktestInputError, type BacktestResult, runBacktest } from '../indicators/backtest.js';
import {
  fitSummaryCsv,
  MONETARY_COLUMN,
  SummaryFileError,
  type SummaryFileFit,
} from '../domain/indicators/summary-csv.js';

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

const num = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');
const money = (x: number | null): string => (x === null ? '—' : x.toFixed(2));

/** The backtest's tables, as printed by `model backtest`. */
export function formatBacktest(result: BacktestResult): string {
  const { bgnbd, gammaGamma } = result.models;
  const lines = [
    `Backtest: fitted on orders up to ${result.calibrationEnd}; holdout ${result.holdoutStart.slice(0, 10)} ` +
      `to ${new Date(Date.parse(result.holdoutEnd) - 86_400_000).toISOString().slice(0, 10)} (${result.holdoutDays} days), ` +
      `${result.customers} customers`,
    `  BG/NBD      r=${fmt(bgnbd.r)} alpha=${fmt(bgnbd.alpha)} a=${fmt(bgnbd.a)} b=${fmt(bgnbd.b)} (days)`,
    gammaGamma
      ? `  Gamma-Gamma p=${fmt(gammaGamma.p)} q=${fmt(gammaGamma.q)} v=${fmt(gammaGamma.v)}`
      : '  Gamma-Gamma not fitted',
    ...result.warnings.map((w) => `  warning: ${w}`),
    '',
    `Purchases (distinct purchase days) in the holdout: actual ${result.total.actualPurchases}, ` +
      `predicted ${num(result.total.predictedPurchases, 1)}`,
    `Mean absolute error per customer: ${num(result.meanAbsoluteError)} ` +
      `(naive "same rate as before": ${num(result.naiveMeanAbsoluteError)})`,
    '',
    'By repeat purchases in calibration (mean per customer):',
    formatTable(
      ['repeat purchases', 'customers', 'actual', 'predicted'],
      result.byFrequency.map((g) => [
        g.label,
        String(g.customers),
        num(g.actualPurchases),
        num(g.predictedPurchases),
      ]),
    ),
    '',
    'By decile of predicted value, highest first (mean per customer):',
    formatTable(
      ['decile', 'customers', 'actual purchases', 'predicted', 'actual revenue', 'predicted'],
      result.byDecile.map((d) => [
        d.label,
        String(d.customers),
        num(d.actualPurchases),
        num(d.predictedPurchases),
        money(d.actualValue),
        money(d.predictedValue),
      ]),
    ),
  ];
  if (result.spend) {
    lines.push(
      '',
      `Spend of the ${result.spend.buyers} holdout buyers: expected order value (Gamma-Gamma) ` +
        `${money(result.spend.expectedOrderValue)}, actual mean per purchase day ${money(result.spend.actualOrderValue)}`,
    );
  }
  return lines.join('\n');
}

export function registerModelCommands(program: Command, ctx: CliContext): void {
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
  model
    .command('backtest')
    .description(
      'Check the models against what happened: fit BG/NBD and Gamma-Gamma on the orders up to ' +
        '--calibration-end, forecast each customer over the holdout that follows, and print actual ' +
        'against predicted purchases (in total, by repeat purchases in calibration, by decile of ' +
        'predicted value), the mean absolute error, and spend. Read-only: writes nothing, starts nothing.',
    )
    .requiredOption(
      '--calibration-end <date>',
      'last day (YYYY-MM-DD, UTC) of the calibration period',
    )
    .option('--holdout-days <n>', 'length of the holdout, the forecast horizon, in days', '365')
    .option('--horizon-days <n>', 'the same as --holdout-days')
    .option('--json', 'print the report as JSON')
    .action(
      async (opts: {
        calibrationEnd: string;
        holdoutDays: string;
        horizonDays?: string;
        json?: boolean;
      }) => {
        const holdoutDays = opts.horizonDays
          ? parseHorizonDays(opts.horizonDays)
          : parseHorizonDays(opts.holdoutDays, '--holdout-days');
        let result: BacktestResult;
        try {
          result = await runBacktest(ctx.db(), {
            calibrationEnd: opts.calibrationEnd,
            holdoutDays,
          });
        } catch (error) {
          if (error instanceof BacktestInputError) throw new CliError(error.message);
          throw error;
        }
        if (opts.json) printJson(result);
        else console.log(formatBacktest(result));
      },
    );
}
