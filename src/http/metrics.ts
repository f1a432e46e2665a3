/** `GET /metrics`: Prometheus text format, computed from Postgres on each scrape (src/reports/metrics.ts). */
import type { Db } from '../db/database.js';
import { collectMetrics } from '../reports/metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../reports/prometheus.js';
import type { Handler } from './types.js';

export function metricsHandler(deps: { db: Db }): Handler {
  return async (_req, res) => {
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
export function registerMetricsRoutes(routes: Map<string, Handler>, deps: { db: Db }): void {
  routes.set('GET /metrics', metricsHandler(deps));
}
