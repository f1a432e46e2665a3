/** `boomerang indicators recompute`: the daily recompute, now, with its progress. */
import type { Command } from 'commander';
import { workflowUiUrl } from '../temporal/connection.js';
import {
  type RecomputeProgress,
  recomputeIndicators,
  recomputeProgressQuery,
} from '../workflows/recompute.js';
import { type CliContext, printJson } from './context.js';

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
      "Refit the models, recompute every contact's indicators, refresh segments, and start segment-triggered journeys",
    )
    .option('--as-of <date>', 'compute as of this instant (ISO 8601); default now')
    .option('--no-wait', 'start it and return')
    .option('--json', 'print JSON')
    .action(async (opts: { asOf?: string; wait: boolean; json?: boolean }) => {
      const client = await ctx.temporal();
      const workflowId = `recompute/manual-${new Date().toISOString()}`;
      const handle = await client.workflow.start(recomputeIndicators, {
        taskQueue: ctx.config.temporal.taskQueue,
        workflowId,
        args: [{ asOf: opts.asOf ? new Date(opts.asOf).toISOString() : undefined }],
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
      console.log(`  journeys started on segment entry: ${result.journeysStarted}`);
      console.log(`see it in the Web UI: ${url}`);
    });
}
