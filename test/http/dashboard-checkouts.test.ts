/**
 * The dashboard's recovered checkouts in headless Chromium (as test/http/dashboard.test.ts): the
 * checkout flow's section shows treated, held out and all with the figures of GET /api/report,
 * the recovery-rate uplift with its interval, and one row per group and send node; a campaign
 * that is not a checkout flow has no such section.
 */
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignsReport } from '../../src/reports/types.js';
import {
  ensureChromium,
  launchOperatorBrowser,
  type OperatorBrowser,
  tablesPastTheirCard,
} from '../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { CHECKOUT_CAMPAIGN, seedCheckoutFixture } from '../reports/checkout-fixture.js';
import { type RouteServer } from '../reports/route-server.js';
import { OPERATOR_BEARER, OPERATOR_KEY, startReportServer } from './support.js';

describe('recovered checkouts on the dashboard', () => {
  let database: TestDatabase;
  let server: RouteServer;
  let browser: OperatorBrowser | undefined;
  let page: Page;
  let report: CampaignsReport;

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    database = await createTestDatabase();
    await seedCheckoutFixture(database.db);
    server = await startReportServer(database.db);
    browser = await launchOperatorBrowser(executablePath, OPERATOR_KEY);
    page = await browser.context.newPage();
    await page.goto(`${server.base}/dashboard`);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    report = (await (
      await fetch(`${server.base}/api/report`, { headers: OPERATOR_BEARER })
    ).json()) as CampaignsReport;
  }, 10 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.drop();
  });

  const section = `[data-testid="campaign"][data-campaign="${CHECKOUT_CAMPAIGN}"] [data-testid="checkout-recovery"]`;

  it('shows treated, held out and all, and the uplift, as the report gives them', async () => {
    const k = report.campaigns.find((c) => c.id === CHECKOUT_CAMPAIGN)!.checkouts!;
    for (const [key, group] of [
      ['treated', k.treated],
      ['heldout', k.heldOut],
      ['all', k.all],
    ] as const) {
      const cells = await page
        .locator(`${section} [data-testid="recovery-${key}"] td`)
        .allTextContents();
      expect(cells.slice(1, 4)).toEqual([
        String(group.checkouts),
        String(group.completed),
        String(group.recovered),
      ]);
      expect(cells[5]).toBe(
        new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(
          group.recoveredRevenue,
        ),
      );
    }
    const uplift = page.locator(`${section} [data-testid="uplift-recovery"]`);
    expect(await uplift.getAttribute('data-status')).toBe('ok');
    expect(Number(await uplift.getAttribute('data-estimate'))).toBe(
      k.recoveryRateUplift.status === 'ok' ? k.recoveryRateUplift.estimate : NaN,
    );
    expect(await uplift.textContent()).toMatch(/Recovery rate uplift: \+16\.7 pts \(95% CI/);
  });

  it('lists each send node with its treated and held-out recovered checkouts', async () => {
    const rows = await page.$$eval(`${section} [data-testid="recovery-nodes"] tbody tr`, (els) =>
      els.map((el) => [
        el.getAttribute('data-testid'),
        el.getAttribute('data-node'),
        el.querySelector('[data-col="recovered"]')?.textContent,
      ]),
    );
    expect(rows).toEqual([
      ['recovery-node-treated', 'email-items', '2'],
      ['recovery-node-heldout', 'email-items', '1'],
      ['recovery-node-treated', 'sms', '1'],
      ['recovery-node-heldout', 'sms', '0'],
    ]);
    expect(
      await page.locator('[data-campaign="welcome"] [data-testid="checkout-recovery"]').count(),
    ).toBe(0);
  });

  it('keeps its tables within the card in a 1400 px wide window', async () => {
    await page.setViewportSize({ width: 1400, height: 1000 });
    expect(await page.locator(`${section} [data-testid="recovery-nodes"]`).count()).toBe(1);
    expect(await tablesPastTheirCard(page)).toEqual([]);
  });
});
