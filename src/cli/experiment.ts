/**
 * `boomerang experiment conclude CAMPAIGN NODE --arm NAME`, and how `boomerang report` prints a
 * flow's experiments: per arm the journeys, conversions and revenue, each arm against the control
 * with today's fixed-horizon interval beside the always-valid one, the decision and its reason.
 */
import type { Command } from 'commander';
import { concludeExperiment } from '../campaigns/experiments.js';
import { NotAnExperimentError, UnknownArmError } from '../domain/flows/experiments.js';
import { type AlwaysValidInterval, confidenceLevel } from '../domain/reports/sequential.js';
import type { ArmComparison, ExperimentResult } from '../reports/experiments.js';
import { parseReportOptions } from '../reports/options.js';
import { buildReport } from '../reports/report.js';
import type { CampaignResult } from '../reports/types.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable, moneyFormatter } from './format.js';

const int = (n: number): string => n.toLocaleString('en');
const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const signedPoints = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;

/** `unit` follows an interval, never the dash that stands for none. */
function alwaysValidText(
  i: AlwaysValidInterval | null,
  format: (x: number) => string,
  unit = '',
): string {
  if (!i) return '—';
  return `${format(i.estimate)} [${format(i.lower)}, ${format(i.upper)}]${unit}`;
}

function fixedText(c: ArmComparison, format: (x: number) => string, unit = ''): string {
  const f = c.fixedHorizon;
  return f.status === 'ok'
    ? `${format(f.estimate)} [${format(f.low)}, ${format(f.high)}]${unit}`
    : '—';
}

/** The experiments of one campaign, as `boomerang report` prints them. */
export function formatExperiments(
  experiments: ExperimentResult[],
  money: (x: number | null) => string,
): string[] {
  const out: string[] = [];
  const signedMoney = (x: number) => `${x >= 0 ? '+' : '−'}${money(Math.abs(x))}`;
  for (const e of experiments) {
    const level = confidenceLevel(e.alphaPerComparison);
    out.push('');
    out.push(
      `Experiment at node "${e.node}" (${e.type === 'split' ? 'split' : 'template variants'}; control: ${e.control})` +
        (e.concludedFor ? ` — CONCLUDED: new journeys take ${e.concludedFor}` : '') +
        (e.autoConclude && !e.concludedFor ? ' — concludes itself once a winner is declared' : ''),
    );
    out.push(
      formatTable(
        [
          'ARM',
          'JOURNEYS',
          'CONVERTED',
          'RATE',
          'REVENUE',
          'PER CONTACT',
          'RATE vs CONTROL (95% fixed)',
          `RATE vs CONTROL (${level} always-valid)`,
          `PER CONTACT vs CONTROL (${level} always-valid)`,
          'DECISION',
        ],
        e.arms.map((a) => [
          a.name,
          int(a.figures.journeys),
          int(a.figures.converted),
          percent(a.figures.conversionRate),
          money(a.figures.revenue),
          money(a.figures.revenuePerContact),
          a.vsControl ? fixedText(a.vsControl.conversionRate, signedPoints, ' pts') : 'control',
          a.vsControl
            ? alwaysValidText(a.vsControl.conversionRate.alwaysValid, signedPoints, ' pts')
            : '',
          a.vsControl
            ? alwaysValidText(a.vsControl.revenuePerContact.alwaysValid, signedMoney)
            : '',
          a.decision,
        ]),
      ).replace(/^/gm, '  '),
    );
    out.push(`  decision: ${e.decision.reason}`);
    for (const a of e.arms.filter((x) => !x.isControl)) out.push(`    ${a.name}: ${a.reason}`);
    const n = e.journeysNeeded;
    out.push(
      n
        ? `  to detect +${(n.minimumDetectableEffect * 100).toFixed(1)} pts over ${percent(n.baselineRate)}: ${int(n.alwaysValid)} journeys per arm read every day (${int(n.fixedHorizon)} for one look at the end); ${n.morePerArm ? `${int(n.morePerArm)} more per arm` : 'reached'}`
        : '  journeys needed: not yet known (the control has no conversion to plan from)',
    );
    out.push(`  always-valid method: ${e.method}`);
  }
  return out;
}

export function registerExperimentCommands(program: Command, ctx: CliContext): void {
  const experiment = program
    .command('experiment')
    .description("A flow's experiments (splits with `experiment`, sends with `variants`)");
  experiment
    .command('show')
    .description(
      "A campaign's experiments as `boomerang report` shows them: per arm against the control, the decision and the journeys still needed",
    )
    .argument('<campaign>', 'campaign id')
    .option(
      '--json',
      "print JSON: the experiments as in `boomerang report --json` (the campaign's `experiments`)",
    )
    .action(async (campaign: string, opts: { json?: boolean }) => {
      const report = await buildReport(ctx.db(), ctx.config, parseReportOptions({ campaign }));
      const experiments = report.campaigns[0]?.experiments ?? [];
      if (opts.json) return printJson(experiments);
      if (!experiments.length) {
        console.log(
          `campaign "${campaign}" has no experiment (a flow's split with \`experiment\`, or a send with \`variants\`)`,
        );
        return;
      }
      console.log(
        formatExperiments(experiments, moneyFormatter(report.currency)).join('\n').trimStart(),
      );
    });
  experiment
    .command('conclude')
    .description(
      'Send every new journey to one arm of an experiment (a new definition version); running journeys keep their arm',
    )
    .argument('<campaign>', 'campaign id')
    .argument('<node>', 'the node id of the experiment (the split or the send with variants)')
    .requiredOption('--arm <name>', 'the arm new journeys take')
    .option('--json', 'print JSON')
    .action(async (campaign: string, node: string, opts: { arm: string; json?: boolean }) => {
      let result;
      try {
        result = await concludeExperiment(
          { db: ctx.db(), temporal: () => ctx.temporal() },
          campaign,
          node,
          opts.arm,
        );
      } catch (err) {
        if (err instanceof NotAnExperimentError || err instanceof UnknownArmError)
          throw new CliError(err.message, 2);
        throw err;
      }
      if (opts.json) return printJson(result);
      console.log(
        result.version === result.previousVersion
          ? `experiment "${node}" of "${campaign}" was already concluded for ${opts.arm} (version ${result.version})`
          : `experiment "${node}" of "${campaign}" is concluded: journeys started from now on take arm ${opts.arm} (version ${result.version}, was ${result.previousVersion})`,
      );
      console.log(
        `${int(result.running)} running journeys keep the version they run, and the arm they took or will take`,
      );
    });
}

/** The holdout uplift's always-valid intervals, under today's fixed-horizon ones. */
export function formatAlwaysValidUplift(
  uplift: CampaignResult['results']['alwaysValidUplift'],
  money: (x: number | null) => string,
): string[] {
  if (!uplift.conversionRate || !uplift.revenuePerContact) return [];
  const signedMoney = (x: number) => `${x >= 0 ? '+' : '−'}${money(Math.abs(x))}`;
  return [
    `  always-valid 95% (valid however often you look): conversion rate ${alwaysValidText(uplift.conversionRate, signedPoints, ' pts')}, ` +
      `revenue per contact ${alwaysValidText(uplift.revenuePerContact, signedMoney)}`,
  ];
}
