/** The report's options as the CLI and `GET /api/report` take them: one parser, one meaning. */
import { DEFAULT_ATTRIBUTION_WINDOW_MS } from '../domain/reports/attribution.js';
import { parseAgo, parseDuration } from '../domain/segments/duration.js';

export interface ReportOptions {
  /** One campaign (its id), or every campaign. */
  campaignId?: string;
  /** Only journeys enrolled at or after this instant. */
  since?: Date;
  /** The attribution window after a journey's last message. */
  window: { text: string; ms: number };
  /** The report's clock (tests fix it). */
  now?: Date;
}

export const DEFAULT_WINDOW_TEXT = '7d';

export class ReportOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportOptionsError';
  }
}

const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * `since`: a date (YYYY-MM-DD, midnight UTC), an ISO 8601 date-time, or "30 days ago".
 * `window`: "7d", "7 days", "48 hours", "2 weeks" (default 7 days).
 */
export function parseReportOptions(
  input: { campaign?: string | null; since?: string | null; window?: string | null },
  now = new Date(),
): ReportOptions {
  const options: ReportOptions = {
    window: { text: DEFAULT_WINDOW_TEXT, ms: DEFAULT_ATTRIBUTION_WINDOW_MS },
  };
  if (input.campaign) {
    if (!CAMPAIGN_ID.test(input.campaign))
      throw new ReportOptionsError(
        `campaign must be a campaign id such as "low-clv" (got ${JSON.stringify(input.campaign)})`,
      );
    options.campaignId = input.campaign;
  }
  if (input.since) options.since = parseSince(input.since, now);
  if (input.window) {
    const ms = parseDuration(input.window);
    if (ms === null)
      throw new ReportOptionsError(
        `window must be a duration such as "7d", "48 hours" or "2 weeks" (got ${JSON.stringify(input.window)})`,
      );
    options.window = { text: input.window.trim(), ms };
  }
  return options;
}

function parseSince(text: string, now: Date): Date {
  const trimmed = text.trim();
  const ago = parseAgo(trimmed);
  if (ago !== null) return new Date(now.getTime() - ago);
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
    const date = new Date(`${trimmed}T00:00:00Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(trimmed)) return date;
  } else if (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)
  ) {
    const date = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new ReportOptionsError(
    `since must be a date (2026-03-01), a date-time (2026-03-01T09:00:00Z) or "30 days ago" (got ${JSON.stringify(text)})`,
  );
}
