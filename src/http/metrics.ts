/** `GET /metrics`: Prometheus text format, computed from Postgres on each scrape (src/reports/metrics.ts). */
import type { Db } from '../services/database.js';
import { collectMetrics } from '../reports/metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../reports/prometheus.js';
import { requireOperator } from './auth.js';
import type { Handler } from './types.js';

export interface MetricsDeps {
  db: Db;
  /** Scrapers send it as a bearer token (Prometheus `authorization` / `bearer_token_file`). */
  operatorKey: string | undefined;
  /** Serve the metrics to anyone who can reach the port. */
  metricsPublic?: boolean;
}

export function metricsHandler(deps: MetricsDeps): Handler {
  return async (req, res) => {
    if (!deps.metricsPublic) requireOperator(req, deps.operatorKey);
    const text = renderPrometheus(await collectMetrics(deps.db));
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  };
}

/** Registers `GET /metrics` (registerReportRoutes in dashboard.ts does it too). */
export function registerMetricsRoutes(routes: Map<string, Handler>, deps: MetricsDeps): void {
  routes.set('GET /metrics', metricsHandler(deps));
}
