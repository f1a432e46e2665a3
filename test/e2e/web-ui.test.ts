/**
 * The operator's path through the Temporal Web UI, in headless Chromium, on real parts only: the
 * dev server, the real workers with payload encryption on, Boomerang's HTTP endpoint (its /codec),
 * and the standalone UI server as `npm start -- --temporal server` configures it. The operator
 * signs in to /dashboard, searches the contact's journeys as the README says, opens the journey and
 * reads its steps and its input, decrypted by the endpoint with the operator's credentials. Were
 * the codec refused (no codec endpoint in the UI's config, or the endpoint answering another
 * origin), the input would show as base64 ciphertext; without the sign-in (or signed in at
 * 127.0.0.1 while the codec endpoint is localhost) the journey's page does not render. The
 * journey's page is saved to test/.artifacts/web-ui-journey.png.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Locator } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { startUiServer } from '../../src/provision/temporal-server.js';
import { traceContact } from '../../src/services/contacts.js';
import { connectClient } from '../../src/temporal/connection.js';
import { greetingWorkflow } from '../../src/workflows/greeting.js';
import {
  ensureChromium,
  launchOperatorBrowser,
  type OperatorBrowser,
} from '../support/chromium.js';
import { lowClvCampaign } from '../support/campaigns.js';
import { lowValueCustomer } from '../support/customers.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useStack } from '../support/stack.js';
import { testUiServer } from '../support/temporal-server.js';
import { startRealWorkers } from '../support/workers.js';

const OPERATOR_KEY = 'bmr_op_web-ui-operator-key';
const ARTIFACTS = path.join(PROJECT_ROOT, 'test/.artifacts');

/**
 * The elements' text on one line, once it holds every one of `wanted` or after 30 s (the UI fills
 * it in as the codec endpoint answers); the caller's expectations then name what is missing.
 */
async function shownText(elements: Locator, wanted: string[]): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = (await elements.allInnerTexts()).join('\n').replace(/\s+/g, ' ');
    if (wanted.every((w) => text.includes(w)) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the Temporal Web UI in headless Chromium', () => {
  let uiUrl = '';
  let endpoint = '';
  let client: Client | undefined;
  let server: http.Server | undefined;
  let ui: { stop(): Promise<void> } | undefined;
  let browser: OperatorBrowser | undefined;
  let scratch = '';
  /** The codec endpoint's answers to the UI's page, in order. */
  const codecAnswers: number[] = [];

  const stack = useStack({
    // Installing Chromium, or building the UI server, happens once per machine.
    timeout: 20 * 60_000,
    setup: async (stack) => {
      const uiPort = await freePort();
      uiUrl = `http://localhost:${uiPort}`;
      stack.workers = await startRealWorkers(stack.env, stack.database.db, {
        name: 'web-ui',
        env: {
          ...SHOP_ENV,
          TEMPORAL_ADDRESS: stack.env.address,
          TEMPORAL_UI_URL: uiUrl,
          PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          BOOMERANG_OPERATOR_KEY: OPERATOR_KEY,
        },
      });
      // The endpoint as `npm run http` builds it: its own client, with the payload codec.
      const config = stack.workers.config;
      client = await connectClient(config);
      server = createHttpServer({ db: stack.database.db, temporal: client, config });
      // The browser's address of the endpoint, as npm start gives it to the UI.
      endpoint = `http://localhost:${await listen(server, 0, '127.0.0.1')}`;
      scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-web-ui-'));
      ui = await startUiServer({
        binary: await testUiServer(),
        stateDir: scratch,
        port: uiPort,
        temporalAddress: stack.env.address,
        namespace: config.temporal.namespace,
        codecEndpoint: `${endpoint}/codec`,
      });
      browser = await launchOperatorBrowser(await ensureChromium(), OPERATOR_KEY);
      browser.context.on('response', (response) => {
        if (new URL(response.url()).pathname === '/codec/decode')
          codecAnswers.push(response.status());
      });
    },
  });
  afterAll(async () => {
    await browser?.close();
    await ui?.stop();
    server?.closeAllConnections();
    server?.close();
    await client?.connection.close();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  it("finds a contact's journey by BoomerangContactId and shows its steps and its input decrypted", async () => {
    const { db } = stack.database;
    const config = stack.workers!.config;
    const id = await lowValueCustomer(db, 'ada@example.com');
    const campaign = await lowClvCampaign(db, 'web-ui', { name: 'Web UI campaign', coupons: 1 });
    const { workflowId } = await startJourney(
      { client: client!, db, taskQueue: config.temporal.taskQueue },
      campaign,
      id,
    );
    // Another workflow in the namespace, which the contact's search must leave out.
    await client!.workflow.start(greetingWorkflow, {
      taskQueue: 'nobody-polls',
      workflowId: 'not-this-contact',
      args: [{ name: 'Grace' }],
    });
    const query = `BoomerangContactId = "${id}"`;
    await until(
      async () => {
        for await (const _ of client!.workflow.list({
          query: `${query} AND BoomerangStep = "wait"`,
        }))
          return true;
        return false;
      },
      'the journey to be visible, sent its offer and waiting',
      30_000,
    );

    const page = await browser!.context.newPage();
    // The operator signs in to the dashboard once: the browser then holds the key for the endpoint.
    await page.goto(`${endpoint}/dashboard`);
    await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
    // From here on no prompt is answered: as in a real browser, whose page of another origin gets
    // no prompt (Fetch: no auth prompt for a CORS request), the UI's codec calls carry only the
    // credentials the browser keeps from that sign-in.
    await browser!.context.setHTTPCredentials(null);

    // The README: in the workflow list, the raw query (`</>`), then the contact's search.
    await page.goto(`${uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
    const rows = page.getByTestId('workflows-summary-configurable-table-row');
    await until(async () => (await rows.count()) === 2, 'the list to show both workflows');
    await page.getByTestId('toggle-manual-query').click();
    const search = page.getByTestId('workflow-manual-search-input');
    await search.fill(query);
    await search.press('Enter');
    await until(
      async () =>
        (await rows.count()) === 1 && (await rows.first().innerText()).includes(workflowId),
      `the list to show only ${workflowId}`,
    );
    expect(await page.getByText('not-this-contact').count()).toBe(0);

    // The journey's page, then its event history: the page `boomerang contact trace` links to.
    await rows.first().getByRole('link', { name: workflowId }).click();
    await page.getByTestId('history-tab').click();
    const [trace] = await traceContact({ db, temporal: client!, config }, id);
    await page.waitForURL(trace!.url);

    const decrypted = [`"contactId": ${id}`, '"name": "Web UI campaign"'];
    const input = await shownText(page.getByTestId('input-and-result'), decrypted);
    for (const text of decrypted) expect(input).toContain(text);

    // The steps: decision nodes as local activities (their type is in a payload too), the send as
    // an activity, each with its summary, and the 7-day wait.
    const steps = [
      `Workflow Execution Started Workflow Type Name lowClvCouponJourney Summary Web UI campaign — contact ${id}`,
      'Activity Type isInSegment Summary is in segment "Customers to reengage"',
      'Activity Type assignCoupon Summary assign coupon from "web-ui"',
      'Activity Type sendEmail Summary send coupon email',
      'Result {"outcome":"sent","messageId":',
      'Timer Started Start To Fire Timeout 7 days',
    ];
    const history = await shownText(page.getByTestId('event-summary-row'), steps);
    for (const step of steps) expect(history).toContain(step);
    await fs.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-journey.png'), fullPage: true });

    // Every payload went through the codec endpoint, answered for the UI's origin with the key.
    expect(codecAnswers).toContain(200);
    expect(codecAnswers.filter((status) => status !== 200 && status !== 204)).toEqual([]);
  }, 120_000);
});
