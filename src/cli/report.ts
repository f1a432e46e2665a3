/**
 * `boomerang report [campaign] [--since DATE] [--window 7d] [--json]`: campaign results.
 *
 * Per campaign: the funnel per node (the kind's node graph, in order), where journeys ended and
 * why, messages sent/failed/skipped by reason, coupons assigned and redeemed, attributed
 * conversions and revenue, and treated vs held-out with the uplift and its 95% interval.
 * `--json` prints the very object `GET /api/report` answers (src/reports/types.ts).
 */
import type { Command } from 'commander';
import type { UpliftEstimate } from '../domain/reports/uplift.js';
import { lowCouponPoolMessage } from '../reports/coupon-pools.js';
import { parseReportOptions, ReportOptionsError } from '../reports/options.js';
import { buildReport } from '../reports/report.js';
import type { CampaignResult, CampaignsReport } from '../reports/types.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatAlwaysValidUplift, formatExperiments } from './experiment.js';
import { formatTable, moneyFormatter } from './format.js';
import { formatCheckoutRecovery } from './report-checkouts.js';

const int = (n: number): string => n.toLocaleString('en');

const percent = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
/** A small rate (complaints) to two decimals of a percent: 0.1% and 0.08% stay apart. */
const rate = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

function signed(x: number, format: (x: number) => string): string {
  return `${x >= 0 ? '+' : '−'}${format(Math.abs(x))}`;
}

export function formatUplift(
  uplift: UpliftEstimate,
  format: (x: number) => string,
  what: string,
): string {
  if (uplift.status === 'not_enough_data') return `${what}: not enough data (${uplift.reason})`;
  const level = Math.round(uplift.level * 100);
  const df = uplift.df !== undefined ? `, df ${uplift.df.toFixed(1)}` : '';
  return `${what}: ${signed(uplift.estimate, format)} (${level}% CI ${signed(uplift.low, format)} to ${signed(uplift.high, format)}; ${uplift.method}${df})`;
}

function formatCampaign(c: CampaignResult, report: CampaignsReport): string {
  const money = moneyFormatter(report.currency);
  const points = (x: number) => `${(x * 100).toFixed(1)} pts`;
  const out: string[] = [];
  const title = `${c.name} (${c.id}) · ${c.kind} · ${c.status} · holdout ${c.holdoutPercent}%`;
  out.push(title, '='.repeat(title.length));
  out.push(
    `journeys: ${int(c.journeys.enrolled)} enrolled (${int(c.journeys.treated)} treated, ${int(c.journeys.heldOut)} held out), ` +
      `${int(c.journeys.active)} running, ${int(c.journeys.ended)} ended`,
  );
  out.push(`web UI:   ${c.uiUrl}`);
  for (const w of c.deliverability.warnings) out.push(`WARNING ${w.message}`);
  out.push('');

  out.push('Funnel');
  out.push(
    formatTable(
      ['NODE', 'STEP', 'REACHED', 'TREATED', 'HELD OUT', 'NOW HERE'],
      c.funnel.nodes.map((n) => [
        n.label,
        n.id,
        int(n.reached),
        int(n.treated),
        int(n.heldOut),
        int(n.here),
      ]),
    ),
  );
  for (const u of c.funnel.unmapped)
    out.push(`(step "${u.id}" is not in the ${c.kind} graph: reached by ${int(u.reached)})`);
  out.push('');

  const exits = c.funnel.exits.filter((e) => e.count > 0 || e.designed);
  out.push('Ended');
  out.push(
    formatTable(
      ['AFTER', 'REASON', 'JOURNEYS', 'TREATED', 'HELD OUT'],
      exits.map((e) => [
        e.label ? `${e.from} (${e.label})` : e.from,
        e.reason,
        int(e.count),
        int(e.treated),
        int(e.heldOut),
      ]),
    ),
  );
  out.push('');

  const m = c.messages;
  out.push(
    `messages: ${int(m.sent.total)} sent (${int(m.sent.email)} email, ${int(m.sent.sms)} SMS), ${int(m.failed.total)} failed, ` +
      `${int(m.skipped.reduce((sum, s) => sum + s.count, 0))} skipped, ${int(m.withheldFromControlGroup)} withheld from the control group` +
      (m.sending ? `, ${int(m.sending)} still sending` : ''),
  );
  if (m.skipped.length)
    out.push(
      formatTable(
        ['SKIPPED', 'CHANNEL', 'REASON'],
        m.skipped.map((s) => [int(s.count), s.channel, s.reason]),
      ).replace(/^/gm, '  '),
    );
  const byReason = (list: { reason: string; count: number }[]) =>
    list.map((x) => `${x.reason} ${int(x.count)}`).join(', ') || '—';
  if (m.bySendNode.length)
    out.push(
      formatTable(
        [
          'SEND NODE',
          'CHANNEL',
          'SENT',
          'DELIVERED',
          'BOUNCED',
          'COMPLAINED',
          'OPENED',
          'CLICKED',
          'UNSUBSCRIBED',
          'SKIPPED',
          'DELAYED',
        ],
        m.bySendNode.map((n) => [
          n.inGraph ? n.node : `${n.node} (not in graph)`,
          n.channel,
          int(n.sent),
          int(n.delivered),
          n.softBounced ? `${int(n.bounced)} (+${int(n.softBounced)} soft)` : int(n.bounced),
          int(n.complained),
          int(n.opened),
          int(n.clicked),
          int(n.unsubscribed),
          byReason(n.skipped),
          byReason(n.delayed),
        ]),
      ).replace(/^/gm, '  '),
    );
  const d = c.deliverability;
  if (d.emailsSent)
    out.push(
      `email rates: bounces ${percent(d.bounceRate)} (warn above ${percent(d.thresholds.bounceRate)}), ` +
        `complaints ${rate(d.complaintRate)} (warn above ${rate(d.thresholds.complaintRate)})`,
    );
  const pools = c.coupons.pools.map(
    ({ set, pool }) =>
      `; pool "${set}": ` +
      (pool
        ? `${int(pool.available)} available (threshold ${int(pool.lowStockThreshold)})${pool.low ? ' — LOW' : ''}`
        : 'no such coupon set'),
  );
  out.push(
    `coupons:  ${int(c.coupons.assigned)} assigned, ${int(c.coupons.redeemed)} redeemed${pools.join('')}`,
  );
  out.push('');

  const r = c.results;
  out.push(`Attributed purchases (window ${report.filters.window} after the last message)`);
  const row = (name: string, g: typeof r.all) => [
    name,
    int(g.journeys),
    int(g.converted),
    percent(g.conversionRate),
    g.conversionRateInterval
      ? `${percent(g.conversionRateInterval.low)}–${percent(g.conversionRateInterval.high)}`
      : '—',
    int(g.orders),
    money(g.revenue),
    money(g.revenuePerContact),
  ];
  out.push(
    formatTable(
      ['GROUP', 'JOURNEYS', 'CONVERTED', 'RATE', '95% CI', 'ORDERS', 'REVENUE', 'PER CONTACT'],
      [
        row('treated', r.treated),
        row('held out', r.heldOut),
        row('all', r.all),
        // Split only once the campaign has changed: one version would repeat "all".
        ...(r.byDefinitionVersion.length > 1
          ? r.byDefinitionVersion.flatMap((v) => [
              row(`version ${v.version}`, v.all),
              row(`  treated`, v.treated),
            ])
          : []),
      ],
    ),
  );
  const foreign = r.all.ordersInOtherCurrencies;
  if (foreign)
    out.push(
      `(${int(foreign)} attributed order${foreign === 1 ? '' : 's'} in another currency: counted as conversions, not as revenue)`,
    );
  out.push(`coupon redemptions: ${int(r.all.couponRedemptions)}`);
  out.push('Uplift (treated − held out)');
  out.push(`  ${formatUplift(r.conversionRateUplift, points, 'conversion rate')}`);
  out.push(`  ${formatUplift(r.revenuePerContactUplift, (x) => money(x), 'revenue per contact')}`);
  out.push(...formatAlwaysValidUplift(r.alwaysValidUplift, money));
  out.push(...formatExperiments(c.experiments, money));

  if (c.checkouts) out.push('', ...formatCheckoutRecovery(c.checkouts, money, formatUplift));
  if (c.welcome) {
    const w = c.welcome;
    const per = (x: number | null) =>
      x === null ? 'not enough data (no registrations)' : money(x);
    out.push('');
    out.push(
      `first-purchase revenue per 1,000 registrations: ${per(w.perThousandRegistrations)} ` +
        `(${int(w.firstPurchases)} first purchases of ${int(w.registrations)} registrations, ${money(w.firstPurchaseRevenue)}; seed average ${money(w.seedBenchmarkPerThousand)})`,
    );
    out.push(
      `  treated ${per(w.treated.perThousandRegistrations)}, held out ${per(w.heldOut.perThousandRegistrations)}`,
    );
  }
  return out.join('\n');
}

/** The human-readable report. */
export function formatReport(report: CampaignsReport): string {
  const out: string[] = [];
  out.push(
    `Campaign results${report.filters.since ? ` for journeys enrolled since ${report.filters.since}` : ''}; ` +
      `attribution window ${report.filters.window} after the last message; amounts in ${report.currency}`,
  );
  for (const pool of report.couponPools.filter((p) => p.low))
    out.push(`WARNING ${lowCouponPoolMessage(pool)}`);
  if (report.campaigns.length === 0)
    out.push('', 'no campaigns yet; create one with `boomerang campaign create --file FILE`');
  for (const c of report.campaigns) out.push('', formatCampaign(c, report));
  return out.join('\n');
}

export function registerReportCommands(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      'Campaign results: funnel per node, messages, coupons, attributed revenue, control-group uplift',
    )
    .argument('[campaign]', 'campaign id (default: every campaign)')
    .option(
      '--since <date>',
      'only journeys enrolled since: 2026-03-01 (midnight UTC), 2026-03-01T09:00:00Z or "30 days ago"',
    )
    .option(
      '--window <duration>',
      'attribution window after the last message, e.g. 7d, 48h, 2w',
      '7d',
    )
    .option('--json', 'print JSON (the same object as GET /api/report)')
    .action(
      async (
        campaign: string | undefined,
        opts: { since?: string; window: string; json?: boolean },
      ) => {
        let options;
        try {
          options = parseReportOptions({ campaign, since: opts.since, window: opts.window });
        } catch (err) {
          if (err instanceof ReportOptionsError) throw new CliError(err.message, 2);
          throw err;
        }
        // An unknown campaign exits 2, as in every command (cli/main.ts).
        const report: CampaignsReport = await buildReport(ctx.db(), ctx.config, options);
        if (opts.json) return printJson(report);
        console.log(formatReport(report));
      },
    );
}
