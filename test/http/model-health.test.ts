/**
 * The dashboard's model-health chart in headless Chromium: the bars drawn (actual and predicted
 * purchases per customer, by repeat purchases in calibration) are those of the backtest, whose
 * figures test/indicators/backtest.test.ts recomputes from the raw orders; a shop whose orders
 * cannot support a backtest shows why instead of a chart; a shop on historical data is compared
 * with the year up to its last recompute, under axis labels that read at any scale.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { publishIndicators, summarizeContacts } from '../../src/db/indicators.js';
import { runBacktest } from '../../src/indicators/backtest.js';
import { seedBacktestOrders } from '../indicators/backtest-fixture.js';
import { type RouteServer } from '../reports/route-server.js';
import {
  ensureChromium,
  launchOperatorBrowser,
  type OperatorBrowser,
} from '../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { OPERATOR_BEARER, OPERATOR_KEY, startReportServer } from './support.js';

const CALIBRATION_END = '2025-03-31';
const HOLDOUT_DAYS = 120;

describe('model health on the dashboard', () => {
  let database: TestDatabase;
  let empty: TestDatabase;
  let historical: TestDatabase;
  let server: RouteServer;
  let emptyServer: RouteServer;
  let historicalServer: RouteServer;
  let context: BrowserContext;
  let browser: OperatorBrowser | undefined;
  const problems: string[] = [];
  const config = {
    temporal: { uiUrl: '', namespace: 'default' },
    shop: { currency: 'EUR', timezone: 'UTC' },
  };

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    database = await createTestDatabase();
    empty = await createTestDatabase();
    historical = await createTestDatabase();
    // Real historical data: orders of the 1990s, the indicators last recomputed as of 1998-06-30.
    await seedBacktestOrders(historical.db, {
      start: Date.parse('1995-01-01T00:00:00Z'),
      cut: Date.parse('1997-07-01T00:00:00Z'),
      holdoutDays: HOLDOUT_DAYS,
    });
    const asOf = new Date('1998-06-30T00:00:00Z');
    await summarizeContacts(historical.db, asOf);
    await publishIndicators(historical.db, asOf, { bgnbdFitId: null, gammaGamma: null });
    await seedBacktestOrders(database.db, {
      start: Date.parse('2024-01-01T00:00:00Z'),
      cut: Date.parse('2025-04-01T00:00:00Z'),
      holdoutDays: HOLDOUT_DAYS,
    });
    server = await startReportServer(database.db, { config });
    emptyServer = await startReportServer(empty.db, { config });
    historicalServer = await startReportServer(historical.db, { config });
    // The operator signs in at the browser's Basic auth prompt with the key `npm start` printed.
    browser = await launchOperatorBrowser(executablePath, OPERATOR_KEY);
    context = browser.context;
    context.on('page', (p) => {
      p.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      p.on('pageerror', (e) => problems.push(e.message));
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await emptyServer?.close();
    await historicalServer?.close();
    await database?.drop();
    await empty?.drop();
    await historical?.drop();
  });

  it('draws the backtest by calibration frequency, actual beside predicted', async () => {
    const expected = await runBacktest(database.db, {
      calibrationEnd: CALIBRATION_END,
      holdoutDays: HOLDOUT_DAYS,
    });
    const page = await context.newPage();
    await page.goto(
      `${server.base}/dashboard?calibrationEnd=${CALIBRATION_END}&holdoutDays=${HOLDOUT_DAYS}`,
    );
    await page.waitForSelector('body[data-model-health]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-model-health')).toBe('ready');
    const bars = await page.$$eval('[data-testid="model-health-bar"]', (els) =>
      els.map((e) => ({
        group: e.getAttribute('data-group'),
        kind: e.getAttribute('data-kind'),
        value: Number(e.getAttribute('data-value')),
        height: Number(e.getAttribute('height')),
      })),
    );
    expect(bars).toHaveLength(16);
    for (const g of expected.byFrequency) {
      const actual = bars.find((b) => b.group === g.label && b.kind === 'actual')!;
      const predicted = bars.find((b) => b.group === g.label && b.kind === 'predicted')!;
      expect(actual.value).toBeCloseTo(g.actualPurchases, 12);
      expect(predicted.value).toBeCloseTo(g.predictedPurchases, 12);
    }
    // Heights are proportional to the values: the tallest bar is the largest value.
    const tallest = bars.reduce((m, b) => (b.height > m.height ? b : m));
    expect(tallest.value).toBe(Math.max(...bars.map((b) => b.value)));
    const summary = await page.textContent('[data-testid="model-health-summary"]');
    expect(summary).toContain(`${expected.total.actualPurchases} purchases made`);
    expect(summary).toContain(`up to ${CALIBRATION_END}`);
    await mkdir(path.join(PROJECT_ROOT, 'test/.artifacts'), { recursive: true });
    await page
      .locator('#model-health')
      .screenshot({ path: path.join(PROJECT_ROOT, 'test/.artifacts/model-health.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says why when the orders cannot support a backtest, and rejects a bad date', async () => {
    const page = await context.newPage();
    await page.goto(`${emptyServer.base}/dashboard`);
    await page.waitForSelector('body[data-model-health]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-model-health')).toBe('unavailable');
    expect(await page.textContent('[data-testid="model-health-unavailable"]')).toContain(
      'no customer has a paid order',
    );
    await page.close();
    const bad = await fetch(`${server.base}/api/model-health?calibrationEnd=2025-13-01`, {
      headers: OPERATOR_BEARER,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('calibrationEnd');
  });

  it('compares historical data with the year up to its last recompute, under readable axis labels', async () => {
    // The 365 days up to the recompute's as-of, 1998-06-30: calibration ends 366 days before it.
    const expected = await runBacktest(historical.db, {
      calibrationEnd: '1997-06-29',
      holdoutDays: 365,
    });
    expect(expected.total.actualPurchases).toBeGreaterThan(0);
    const page = await context.newPage();
    await page.goto(`${historicalServer.base}/dashboard`);
    await page.waitForSelector('body[data-model-health]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-model-health')).toBe('ready');
    const summary = await page.textContent('[data-testid="model-health-summary"]');
    expect(summary).toContain('Fitted on orders up to 1997-06-29');
    expect(summary).toContain(`${expected.total.actualPurchases} purchases made`);

    // One day of holdout: means per customer of a few hundredths, ticks that still differ.
    await page.goto(`${historicalServer.base}/dashboard?holdoutDays=1`);
    await page.waitForSelector('body[data-model-health]', { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-model-health')).toBe('ready');
    const values = await page.$$eval('[data-testid="model-health-bar"]', (els) =>
      els.map((e) => Number(e.getAttribute('data-value'))),
    );
    const largest = Math.max(...values);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(0.2);
    const ticks = await page.$$eval('[data-testid="model-health-tick"]', (els) =>
      els.map((e) => ({ label: e.textContent ?? '', value: Number(e.getAttribute('data-value')) })),
    );
    expect(ticks).toHaveLength(3);
    // Each label says its tick's value exactly; the top tick is above the largest bar.
    for (const tick of ticks) expect(Number(tick.label), tick.label).toBe(tick.value);
    expect(new Set(ticks.map((t) => t.label)).size).toBe(3);
    expect(Math.max(...ticks.map((t) => t.value))).toBeGreaterThanOrEqual(largest);
    expect(problems).toEqual([]);
    await page.close();
  });
});
