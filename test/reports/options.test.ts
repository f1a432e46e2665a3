import { describe, expect, it } from 'vitest';
import { parseReportOptions, ReportOptionsError } from '../../src/reports/options.js';

const NOW = new Date('2026-03-20T12:00:00Z');

describe('report options', () => {
  it('defaults to every campaign, every journey, a 7-day window', () => {
    expect(parseReportOptions({}, NOW)).toEqual({ window: { text: '7d', ms: 7 * 86_400_000 } });
    expect(parseReportOptions({ campaign: null, since: null, window: null }, NOW)).toEqual({
      window: { text: '7d', ms: 7 * 86_400_000 },
    });
  });

  it('reads dates, date-times, "… ago" and durations', () => {
    expect(parseReportOptions({ since: '2026-03-01' }, NOW).since).toEqual(
      new Date('2026-03-01T00:00:00Z'),
    );
    expect(parseReportOptions({ since: '2026-03-01T09:30:00+01:00' }, NOW).since).toEqual(
      new Date('2026-03-01T08:30:00Z'),
    );
    expect(parseReportOptions({ since: '2026-03-01T09:30' }, NOW).since).toEqual(
      new Date('2026-03-01T09:30:00Z'),
    );
    expect(parseReportOptions({ since: '30 days ago' }, NOW).since).toEqual(
      new Date('2026-02-18T12:00:00Z'),
    );
    expect(parseReportOptions({ window: '48 hours' }, NOW).window).toEqual({
      text: '48 hours',
      ms: 48 * 3_600_000,
    });
    expect(parseReportOptions({ window: '2w' }, NOW).window.ms).toBe(14 * 86_400_000);
    expect(parseReportOptions({ campaign: 'low-clv' }, NOW).campaignId).toBe('low-clv');
  });

  it.each([
    [{ since: '2026-02-30' }, /since must be a date/],
    [{ since: 'last week' }, /since must be a date/],
    [{ window: '7' }, /window must be a duration/],
    [{ window: '0d' }, /window must be a duration/],
    [{ campaign: 'Low CLV' }, /campaign must be a campaign id/],
  ])('refuses %o', (input, message) => {
    expect(() => parseReportOptions(input, NOW)).toThrow(ReportOptionsError);
    expect(() => parseReportOptions(input, NOW)).toThrow(message);
  });
});
