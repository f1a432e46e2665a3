/**
 * The dashboard in a real browser: headless Chromium (Debian's, driven by playwright-core) opens
 * GET /dashboard on a server around the report routes, waits for the funnels to render, and checks
 * the numbers drawn against GET /api/report and against the figures computed from the inserted
 * rows (test/reports/fixture.ts). A count's link opens the Temporal Web UI (a stand-in page on the
 * same server) with the campaign and step query. The page is saved to test/.artifacts/dashboard.png.
 *
 * Chromium: /usr/bin/chromium. When it is missing, the test installs it with apt-get if it runs as
 * root, and otherwise fails saying what to install. It never skips.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { recordFeedback } from '../../src/db/feedback.js';
import { OPERATOR_BEARER, OPERATOR_KEY, startReportServer } from './support.js';
import type { Handler } from '../../src/http/server.js';
import type { CampaignsReport } from '../../src/reports/types.js';
import {
  ensureChromium,
  launchOperatorBrowser,
  type OperatorBrowser,
  tablesPastTheirCard,
} from '../support/chromium.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { BASE, DAY, expectedFigures, type Fixture, seedReportFixture } from '../reports/fixture.js';
import { type RouteServer } from '../reports/route-server.js';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test/.artifacts');

describe('dashboard in headless Chromium', () => {
  let database: TestDatabase;
  let fx: Fixture;
  let server: RouteServer;
  let context: BrowserContext;
  let browser: OperatorBrowser | undefined;
  const requests: string[] = [];
  const problems: string[] = [];
  const config = {
    temporal: { uiUrl: '', namespace: 'shop ns' },
    shop: { currency: 'EUR', timezone: 'UTC' },
  };

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    database = await createTestDatabase();
    fx = await seedReportFixture(database.db);
    // A store event that failed too often, waiting for the operator.
    await database.db
      .insertInto('inbox_events')
      .values({
        source: 'api',
        dedupe_key: 'parked-1',
        type: 'purchase',
        payload: JSON.stringify({}),
        attempts: 12,
        last_error: 'no such contact',
        parked_at: new Date(BASE),
      })
      .execute();
    // A campaign nothing happened in yet, whose coupon set does not exist.
    await saveCampaign(database.db, {
      id: 'empty',
      name: 'Nothing yet',
      kind: 'welcome_voucher',
      couponSet: 'not-created',
      holdoutPercent: 10,
    });
    const routes = new Map<string, Handler>();
    // A stand-in for the Temporal Web UI's workflow list, so following a link can be checked.
    routes.set('GET /temporal-ui/namespaces/shop%20ns/workflows', async (_req, res, url) => {
      const html = `<!doctype html><title>Temporal UI stand-in</title><p id="query">${(url.searchParams.get('query') ?? '').replace(/[<&]/g, '')}</p>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    server = await startReportServer(database.db, { config, routes });
    config.temporal.uiUrl = `${server.base}/temporal-ui`;

    // The operator signs in at the browser's Basic auth prompt with the key `npm start` printed.
    browser = await launchOperatorBrowser(executablePath, OPERATOR_KEY);
    context = browser.context;
    context.on('request', (r) => requests.push(r.url()));
    context.on('page', (p) => {
      p.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          problems.push(`${m.type()}: ${m.text()}`);
      });
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.drop();
  });

  async function open(query = ''): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.base}/dashboard${query}`);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    return page;
  }

  const report = async (query = ''): Promise<CampaignsReport> =>
    (
      await fetch(`${server.base}/api/report${query}`, { headers: OPERATOR_BEARER })
    ).json() as Promise<CampaignsReport>;

  /** node id → count text, as drawn. */
  const drawnCounts = (page: Page, campaign: string) =>
    page.$$eval(`[data-testid="node-count"][data-campaign="${campaign}"]`, (els) =>
      Object.fromEntries(els.map((el) => [el.getAttribute('data-node'), el.textContent])),
    );

  it('draws each funnel with the counts of /api/report and of the raw rows', async () => {
    const page = await open();
    expect(await page.getAttribute('body', 'data-ready')).toBe('true');
    const r = await report();
    expect(
      await page.$$eval('[data-testid="campaign"]', (els) =>
        els.map((el) => el.getAttribute('data-campaign')),
      ),
    ).toEqual(['empty', 'inactive', 'low-clv', 'welcome']);

    for (const c of r.campaigns) {
      const e = expectedFigures(fx, c.id);
      const drawn = await drawnCounts(page, c.id);
      expect(drawn).toEqual(
        Object.fromEntries(c.funnel.nodes.map((n) => [n.id, String(n.reached)])),
      );
      expect(drawn).toEqual(
        Object.fromEntries(c.funnel.nodes.map((n) => [n.id, String(e.nodes[n.id]?.reached ?? 0)])),
      );

      const exits = await page.$$eval(
        `[data-testid="campaign"][data-campaign="${c.id}"] [data-testid="exit"]`,
        (els) =>
          Object.fromEntries(
            els.map((el) => [
              `${el.getAttribute('data-from')} ${el.getAttribute('data-reason')}`,
              el.querySelector('[data-testid="exit-count"]')!.textContent,
            ]),
          ),
      );
      const designed = Object.fromEntries(
        c.funnel.exits.filter((x) => x.designed).map((x) => [`${x.from} ${x.reason}`, '0']),
      );
      expect(exits).toEqual({
        ...designed,
        ...Object.fromEntries(Object.entries(e.exits).map(([k, v]) => [k, String(v)])),
      });

      // Every box is drawn, none on top of another, and every edge and exit has its arrow.
      const overlaps = await page.$$eval(
        `svg[data-testid="funnel"][data-campaign="${c.id}"] g[data-testid="node"] > rect, svg[data-testid="funnel"][data-campaign="${c.id}"] g[data-testid="exit"] > rect`,
        (rects) => {
          const boxes = rects.map((r) => r.getBoundingClientRect());
          const bad: string[] = [];
          boxes.forEach((a, i) => {
            if (a.width < 100 || a.height < 30) bad.push(`box ${i} is ${a.width}×${a.height}`);
            boxes.forEach((b, j) => {
              if (
                j > i &&
                a.left < b.right &&
                b.left < a.right &&
                a.top < b.bottom &&
                b.top < a.bottom
              )
                bad.push(`boxes ${i} and ${j} overlap`);
            });
          });
          return bad;
        },
      );
      expect(overlaps).toEqual([]);
      const lines = await page.$$eval(
        `svg[data-testid="funnel"][data-campaign="${c.id}"] line.edge`,
        (els) => els.length,
      );
      expect(lines).toBe(c.funnel.edges.length + Object.keys(exits).length);
      const labels = await page.$$eval(
        `svg[data-testid="funnel"][data-campaign="${c.id}"] text.edge-label`,
        (els) => els.map((el) => el.textContent).sort(),
      );
      expect(labels).toEqual(
        [...c.funnel.edges, ...c.funnel.exits.filter((x) => x.designed || x.count > 0)]
          .flatMap((x) => (x.label ? [x.label] : []))
          .sort(),
      );
    }
  });

  it('shows revenue over time, the control-group comparison and the low coupon pools', async () => {
    const page = await open();
    const r = await report();
    for (const c of r.campaigns) {
      const section = `[data-testid="campaign"][data-campaign="${c.id}"]`;
      const bars = await page.$$eval(`${section} [data-testid="revenue-bar"]`, (els) =>
        els.map((el) => Number(el.getAttribute('data-revenue'))),
      );
      expect(bars.length > 0).toBe(c.revenueByDay.length > 0);
      expect(await page.locator(`${section} [data-testid="revenue-empty"]`).count()).toBe(
        c.revenueByDay.length ? 0 : 1,
      );
      expect(Math.round(bars.reduce((a, b) => a + b, 0) * 100)).toBe(
        Math.round(c.results.all.revenue * 100),
      );

      const conversion = page.locator(`${section} [data-testid="uplift-conversion"]`);
      expect(await conversion.getAttribute('data-status')).toBe(
        c.results.conversionRateUplift.status,
      );
      if (c.results.conversionRateUplift.status === 'ok') {
        expect(Number(await conversion.getAttribute('data-estimate'))).toBe(
          c.results.conversionRateUplift.estimate,
        );
        expect(Number(await conversion.getAttribute('data-low'))).toBe(
          c.results.conversionRateUplift.low,
        );
        expect(await conversion.textContent()).toMatch(
          /Conversion uplift: [+−]\d+\.\d pts \(95% CI [+−]\d+\.\d pts to [+−]\d+\.\d pts\)/,
        );
      } else {
        expect(await conversion.textContent()).toContain('not enough data');
      }
      const treatedRow = await page
        .locator(`${section} [data-testid="group-treated"] td`)
        .allTextContents();
      expect(treatedRow.slice(0, 3)).toEqual([
        'Treated',
        String(c.results.treated.journeys),
        String(c.results.treated.converted),
      ]);
      expect(await page.locator(`${section} [data-testid="kpi-enrolled"] .v`).textContent()).toBe(
        String(expectedFigures(fx, c.id).enrolled),
      );
    }
    expect(
      await page.locator('[data-campaign="inactive"] [data-testid="uplift-revenue"]').textContent(),
    ).toMatch(/not enough data — no held-out journeys/);
    expect(
      await page.$$eval('[data-testid="low-pool"]', (els) =>
        els.map((el) => el.getAttribute('data-set')),
      ),
    ).toEqual(['inactive', 'low-clv']);
    expect(
      await page.locator('[data-testid="low-pool"][data-set="low-clv"]').textContent(),
    ).toContain('"low-clv" has 3 codes available (threshold 10), used by low-clv');
    expect(await page.locator('[data-testid="inbox-parked"]').textContent()).toBe(
      'Store events parked: 1 event failed too often. See boomerang inbox list, then retry or discard it.',
    );
    expect(
      await page.locator('[data-campaign="low-clv"] [data-testid="pool-low-badge"]').count(),
    ).toBe(1);
    expect(
      await page.locator('[data-campaign="welcome"] [data-testid="pool-low-badge"]').count(),
    ).toBe(0);
    expect(
      await page.locator('section[data-campaign="empty"] [data-testid="coupons"]').textContent(),
    ).toContain('pool "not-created": no such coupon set');
    expect(
      await page
        .locator('section[data-campaign="empty"] [data-testid="kpi-welcome"] .v')
        .textContent(),
    ).toBe('not enough data');
    const welcome = r.campaigns.find((c) => c.id === 'welcome')!.welcome!;
    const perThousand = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(
      welcome.perThousandRegistrations!,
    );
    expect(
      await page
        .locator('section[data-campaign="welcome"] [data-testid="kpi-welcome"]')
        .textContent(),
    ).toBe(`${perThousand}first-purchase revenue per 1,000 registrations (seed average €3,950.00)`);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page
      .locator('section[data-campaign="welcome"]')
      .screenshot({ path: path.join(ARTIFACTS, 'dashboard-welcome.png') });
  });

  it('a count links into the Temporal Web UI with the campaign and step query', async () => {
    const page = await open();
    const node = (await report()).campaigns
      .find((c) => c.id === 'low-clv')!
      .funnel.nodes.find((n) => n.id === 'send_offer')!;
    const link = page.locator(
      '[data-testid="node-link"][data-campaign="low-clv"][data-node="send_offer"]',
    );
    expect(await link.getAttribute('href')).toBe(node.uiUrl);
    expect(await link.getAttribute('target')).toBe('_blank');
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    const url = new URL(popup.url());
    expect(`${url.origin}${url.pathname}`).toBe(
      `${server.base}/temporal-ui/namespaces/shop%20ns/workflows`,
    );
    expect(url.searchParams.get('query')).toBe(
      'BoomerangCampaign="low-clv" AND BoomerangStep="send_offer"',
    );
    expect(await popup.textContent('#query')).toBe(
      'BoomerangCampaign="low-clv" AND BoomerangStep="send_offer"',
    );

    const exit = page.locator(
      '[data-testid="exit-link"][data-from="still_in_segment"][data-reason="left_segment"]',
    );
    expect(new URL((await exit.getAttribute('href'))!).searchParams.get('query')).toBe(
      'BoomerangCampaign="low-clv" AND BoomerangStep="end:left_segment"',
    );
  });

  it("applies the filters of its URL, and shows the API's errors", async () => {
    const since = '2026-03-07';
    const page = await open(`?since=${since}&window=14d`);
    expect(await page.inputValue('input[name="since"]')).toBe(since);
    expect(await page.inputValue('select[name="window"]')).toBe('14d');
    for (const id of ['low-clv', 'welcome']) {
      const e = expectedFigures(fx, id, 14 * DAY, new Date(`${since}T00:00:00Z`));
      const drawn = await drawnCounts(page, id);
      for (const [node, count] of Object.entries(drawn))
        expect(count, `${id} ${node}`).toBe(String(e.nodes[node!]?.reached ?? 0));
      expect(
        await page.locator(`[data-campaign="${id}"] [data-testid="kpi-enrolled"] .v`).textContent(),
      ).toBe(String(e.enrolled));
    }
    expect(new Date(`${since}T00:00:00Z`).getTime()).toBeGreaterThan(BASE);

    const broken = await open('?campaign=nope');
    expect(await broken.getAttribute('body', 'data-ready')).toBe('error');
    expect(await broken.textContent('[data-testid="error"]')).toContain('unknown campaign "nope"');
  });

  it("shows each send node's messages, and warns of a campaign whose complaint rate passes its threshold", async () => {
    // One complaint among low-clv's emails: far above 0.1%; the other campaigns have none.
    const complained = await database.db
      .selectFrom('messages')
      .select(['id', 'to_address'])
      .where('campaign_id', '=', 'low-clv')
      .where('channel', '=', 'email')
      .where('status', '=', 'sent')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    await recordFeedback(database.db, {
      provider: 'resend',
      eventKey: 'dashboard-complaint',
      channel: 'email',
      type: 'complained',
      address: complained.to_address,
      providerMessageId: null,
      detail: {},
      occurredAt: new Date(),
    });
    // The fixture's messages have no provider id to match by: attach the event to the message.
    await database.db
      .updateTable('message_feedback')
      .set({ message_id: complained.id })
      .where('event_key', '=', 'dashboard-complaint')
      .execute();
    const page = await open();
    const r = await report();
    for (const c of r.campaigns) {
      const rows = await page.$$eval(
        `[data-testid="campaign"][data-campaign="${c.id}"] [data-testid="send-node"]`,
        (els) =>
          els.map((el) => [
            el.getAttribute('data-node'),
            el.querySelector('[data-col="sent"]')?.textContent,
            el.querySelector('[data-col="complained"]')?.textContent,
          ]),
      );
      expect(rows).toEqual(
        c.messages.bySendNode.map((n) => [n.node, String(n.sent), String(n.complained)]),
      );
      expect(
        await page
          .locator(`[data-testid="deliverability-warning"][data-campaign="${c.id}"]`)
          .count(),
      ).toBe(c.id === 'low-clv' ? 1 : 0);
    }
    expect(
      await page.getAttribute(
        '[data-testid="deliverability-warning"][data-campaign="low-clv"]',
        'data-kind',
      ),
    ).toBe('complaint_rate');
  });

  it('keeps every table within its card in a 1400 px wide window', async () => {
    const page = await open();
    await page.setViewportSize({ width: 1400, height: 1000 });
    expect(await page.locator('[data-testid="send-nodes"]').count()).toBeGreaterThan(0);
    expect(await tablesPastTheirCard(page)).toEqual([]);
  });

  it('loads nothing from anywhere else and logs no errors (CSP included)', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(server.base))).toEqual([]);
    // The one expected console error: the 404 of the deliberately unknown campaign.
    expect(problems.filter((p) => !/status of 404/.test(p))).toEqual([]);
  });
});
