/** `boomerang indicators recompute`: the daily recompute, now, with its progress. */
import type { Command } from 'commander';
import { controlTaskQueue } from '../campaigns/journey-contract.js';
import { workflowUiUrl } from '../config.js';
import { DEFAULT_HORIZON_DAYS } from '../domain/indicators/clv.js';
import {
  type RecomputeInput,
  type RecomputeProgress,
  recomputeIndicators,
  recomputeProgressQuery,
} from '../workflows/recompute.js';
import { CliError, type CliContext, printJson } from './context.js';

/** --horizon-days: a whole number of days from 1 to 20 years. */
export function parseHorizonDays(value: string, option = '--horizon-days'): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 7305)
    throw new CliError(
      `${option}: expected a whole number of days from 1 to 7305 (got "${value}")`,
      2,
    );
  return days;
}

interface RecomputeOptions {
  asOf?: string;
  horizonDays: string;
  startJourneys?: boolean;
  wait: boolean;
  json?: boolean;
}

/** The workflow input from the flags; a bad flag is a CliError naming it. */
export function recomputeInput(
  opts: {
    asOf?: string;
    horizonDays?: string;
    startJourneys?: boolean;
  },
  now = new Date(),
): RecomputeInput {
  const input: RecomputeInput = {};
  if (opts.asOf !== undefined) {
    const asOf = new Date(opts.asOf);
    if (Number.isNaN(asOf.getTime()))
      throw new CliError(
        `--as-of: not a date or instant: "${opts.asOf}" (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`,
        2,
      );
    // Recency and the models' observation period would run to a day that has not come.
    if (asOf > now)
      throw new CliError(
        `--as-of: ${asOf.toISOString()} is in the future; indicators are computed from orders already placed (leave --as-of out for now)`,
        2,
      );
    input.asOf = asOf.toISOString();
    // Journeys started on a past snapshot would message contacts on stale data.
    input.startJourneys = opts.startJourneys === true;
  }
  if (opts.horizonDays !== undefined) input.horizonDays = parseHorizonDays(opts.horizonDays);
  return input;
}

function describeProgress(p: RecomputeProgress): string {
  return `${p.stage}: ${p.contacts} customers`;
}

export function registerIndicatorCommands(program: Command, ctx: CliContext): void {
  const indicators = program
    .command('indicators')
    .description('Value indicators (RFM, CLV 12m, forecast purchases) and segments');
  indicators
    .command('recompute')
    .description(
      "Refit the models on the orders placed before the as-of instant and recompute every contact's indicators. " +
        'Writes: a new model_fits row per model, replaces contact_indicators (the live indicators segments read), ' +
        'refreshes every dynamic segment (recording entries and exits), and, without --as-of or with ' +
        '--start-journeys, starts the journeys of campaigns triggered by segment entry. ' +
        'To check a model against what happened without writing anything, use `boomerang model backtest`.',
    )
    .option(
      '--as-of <date>',
      'compute as of this instant (ISO 8601); default now. Starts no journeys unless --start-journeys',
    )
    .option(
      '--horizon-days <n>',
      'forecast horizon of forecast purchases and CLV, in days (stored in forecast_purchases_12m and clv_12m)',
      String(DEFAULT_HORIZON_DAYS),
    )
    .option(
      '--start-journeys',
      'with --as-of: start segment-triggered journeys anyway (contacts are messaged on that data)',
    )
    .option('--no-wait', 'start it and return')
    .option('--json', 'print JSON')
    .action(async (opts: RecomputeOptions) => {
      const input = recomputeInput(opts);
      const client = await ctx.temporal();
      const workflowId = `recompute/manual-${new Date().toISOString()}`;
      const handle = await client.workflow.start(recomputeIndicators, {
        taskQueue: controlTaskQueue(ctx.config.temporal.taskQueue),
        workflowId,
        args: [input],
        staticSummary: 'Indicator recompute (manual)',
      });
      const url = workflowUiUrl(ctx.config, workflowId);
      if (!opts.wait)
        return opts.json
          ? printJson({ workflowId, url })
          : console.log(`recompute started: ${url}`);
      let last = '';
      const poll = setInterval(() => {
        handle
          .query(recomputeProgressQuery)
          .then((p) => {
            const line = describeProgress(p);
            if (!opts.json && line !== last) console.error(line);
            last = line;
          })
          .catch(() => {});
      }, 500);
      let result: RecomputeProgress;
      try {
        result = await handle.result();
      } finally {
        clearInterval(poll);
      }
      if (opts.json) return printJson({ workflowId, url, ...result });
      console.log(`recomputed ${result.contacts} customers' indicators`);
      if (result.models?.bgnbd) {
        const { r, alpha, a, b } = result.models.bgnbd.params;
        console.log(
          `  BG/NBD      r=${r.toFixed(4)} alpha=${alpha.toFixed(4)} a=${a.toFixed(4)} b=${b.toFixed(4)} (days)`,
        );
      }
      if (result.models?.gammaGamma) {
        const { p, q, v } = result.models.gammaGamma.params;
        console.log(`  Gamma-Gamma p=${p.toFixed(4)} q=${q.toFixed(4)} v=${v.toFixed(4)}`);
      }
      for (const w of result.warnings) console.log(`  warning: ${w}`);
      for (const s of result.segments)
        console.log(
          `  segment "${s.segment}": ${s.error ? `NOT refreshed: ${s.error}` : `${s.entered} entered, ${s.exited} left`}`,
        );
      console.log(
        input.startJourneys === false
          ? '  journeys on segment entry: not started (--as-of without --start-journeys)'
          : `  journeys started on segment entry: ${result.journeysStarted}`,
      );
      console.log(`see it in the Web UI: ${url}`);
    });
}
