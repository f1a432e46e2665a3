/**
 * The campaign-results routes, all read-only (GET only; the report runs in a read-only transaction):
 *
 *   GET /dashboard   one self-contained HTML page (inline CSS and JS, SVG drawn by its own code,
 *                    nothing fetched from elsewhere) that renders GET /api/report
 *   GET /api/report  the report as JSON: ?campaign=ID&since=DATE&window=7d — the same object as
 *                    `boomerang report --json`
 *   GET /metrics     Prometheus text format (metrics.ts)
 *
 * Each asks for the operator key (auth.ts); `/metrics` may be made public for a scraper.
 */
import type { Db } from '../db/database.js';
import { requireOperator } from './auth.js';
import { parseReportOptions, ReportOptionsError } from '../reports/options.js';
import { buildReport, type ReportConfig, UnknownReportCampaignError } from '../reports/report.js';
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

/** Adds GET /dashboard, GET /api/report and GET /metrics to a route table. */
export function registerReportRoutes(routes: Map<string, Handler>, deps: ReportRouteDeps): void {
  routes.set('GET /dashboard', dashboardHandler(deps));
  routes.set('GET /api/report', reportApiHandler(deps));
  registerMetricsRoutes(routes, deps);
}
