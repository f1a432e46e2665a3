/**
 * The campaign-results routes, all read-only (GET only; the report runs in a read-only transaction):
 *
 *   GET /dashboard   one self-contained HTML page (inline CSS and JS, SVG drawn by its own code,
 *                    nothing fetched from elsewhere) that renders GET /api/report
 *   GET /api/report  the report as JSON: ?campaign=ID&since=DATE&window=7d — the same object as
 *                    `boomerang report --json`
 *   GET /api/model-health  the backtest (src/indicators/backtest.ts) as JSON, for the dashboard's
 *                    model-health chart: ?calibrationEnd=YYYY-MM-DD&holdoutDays=N, by default the
 *                    365 days up to the last recompute's as-of (or the last order); {available:
 *                    false, reason} when the shop's orders cannot support one
 *   GET /api/preview each send node of a campaign rendered for a contact (a sample coupon; nothing
 *                    stored): ?campaign=ID&contact=ID
 *   GET /metrics     Prometheus text format (metrics.ts)
 *
 * Each asks for the operator key (auth.ts); `/metrics` may be made public for a scraper.
 */
import type { Db } from '../services/database.js';
import { requireOperator } from './auth.js';
import { DEFAULT_HORIZON_DAYS } from '../domain/indicators/clv.js';
import { BacktestInputError, runModelHealth } from '../indicators/backtest.js';
import { parseReportOptions, ReportOptionsError } from '../reports/options.js';
import { buildReport, type ReportConfig, UnknownReportCampaignError } from '../reports/report.js';
import { PreviewError, type PreviewRenderConfig, previewCampaign } from '../services/previews.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page.js';
import { registerMetricsRoutes } from './metrics.js';
import { sendJson } from './respond.js';
import type { Handler } from './types.js';

export interface ReportRouteDeps {
  db: Db;
  /** A full Config will do: the report reads temporal.uiUrl/namespace and shop.currency/timezone. */
  config: ReportConfig;
  /** The operator key these routes ask for; undefined closes them. */
  operatorKey: string | undefined;
  /** Serve /metrics without credentials. */
  metricsPublic?: boolean;
  /** What previews render with; undefined: no /api/preview. */
  preview?: PreviewRenderConfig | undefined;
}

export function dashboardHandler(deps: Pick<ReportRouteDeps, 'operatorKey'>): Handler {
  return async (req, res) => {
    requireOperator(req, deps.operatorKey);
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(DASHBOARD_HTML),
      'content-security-policy': DASHBOARD_CSP,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    res.end(DASHBOARD_HTML);
  };
}

export function reportApiHandler(deps: ReportRouteDeps): Handler {
  return async (req, res, url) => {
    requireOperator(req, deps.operatorKey);
    const p = url.searchParams;
    let options;
    try {
      options = parseReportOptions({
        campaign: p.get('campaign'),
        since: p.get('since'),
        window: p.get('window'),
      });
    } catch (err) {
      if (err instanceof ReportOptionsError) return sendJson(res, 400, { error: err.message });
      throw err;
    }
    try {
      const report = await buildReport(deps.db, deps.config, options);
      res.setHeader('cache-control', 'no-store');
      sendJson(res, 200, report);
    } catch (err) {
      if (err instanceof UnknownReportCampaignError)
        return sendJson(res, 404, { error: err.message });
      throw err;
    }
  };
}

export function modelHealthHandler(deps: ReportRouteDeps): Handler {
  return async (req, res, url) => {
    requireOperator(req, deps.operatorKey);
    const p = url.searchParams;
    const holdoutText = p.get('holdoutDays');
    const holdoutDays = holdoutText === null ? DEFAULT_HORIZON_DAYS : Number(holdoutText);
    if (!Number.isInteger(holdoutDays) || holdoutDays < 1 || holdoutDays > 7305)
      return sendJson(res, 400, {
        error: `holdoutDays: expected a whole number of days from 1 to 7305 (got "${holdoutText}")`,
      });
    res.setHeader('cache-control', 'no-store');
    try {
      const calibrationEnd = p.get('calibrationEnd') ?? undefined;
      const result = await runModelHealth(deps.db, { calibrationEnd, holdoutDays });
      sendJson(res, 200, { available: true, ...result });
    } catch (err) {
      if (!(err instanceof BacktestInputError)) throw err;
      // A bad parameter is the caller's error; too little data is a state the chart shows.
      if (p.get('calibrationEnd') !== null && err.message.startsWith('--calibration-end'))
        return sendJson(res, 400, {
          error: err.message.replace('--calibration-end', 'calibrationEnd'),
        });
      sendJson(res, 200, { available: false, reason: err.message });
    }
  };
}

export function previewApiHandler(
  deps: ReportRouteDeps & { preview: PreviewRenderConfig },
): Handler {
  return async (req, res, url) => {
    requireOperator(req, deps.operatorKey);
    const campaignId = url.searchParams.get('campaign') ?? '';
    const contactId = Number(url.searchParams.get('contact'));
    if (!campaignId || !Number.isSafeInteger(contactId) || contactId <= 0)
      return sendJson(res, 400, { error: 'expected ?campaign=ID&contact=ID (a contact id)' });
    res.setHeader('cache-control', 'no-store');
    try {
      const nodes = await previewCampaign(
        { db: deps.db, config: deps.preview },
        { campaignId, contactId },
      );
      sendJson(res, 200, { campaign: campaignId, contactId, nodes });
    } catch (err) {
      if (err instanceof PreviewError) return sendJson(res, 404, { error: err.message });
      throw err;
    }
  };
}

/** Adds GET /dashboard, GET /api/report, GET /api/model-health and GET /metrics to a route table. */
export function registerReportRoutes(routes: Map<string, Handler>, deps: ReportRouteDeps): void {
  routes.set('GET /dashboard', dashboardHandler(deps));
  routes.set('GET /api/report', reportApiHandler(deps));
  routes.set('GET /api/model-health', modelHealthHandler(deps));
  if (deps.preview)
    routes.set('GET /api/preview', previewApiHandler({ ...deps, preview: deps.preview }));
  registerMetricsRoutes(routes, deps);
}
