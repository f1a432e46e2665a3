/**
 * The README walkthrough's files stay valid: campaign definitions parse, the demo shop imports
 * cleanly, its first recompute fits the models without a warning, and its backtest prints what
 * the README shows.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIndicatorActivities, type FittedModels } from '../src/activities/indicators.js';
import { formatBacktest } from '../src/cli/model.js';
import { runBacktest } from '../src/indicators/backtest.js';
import { importContactsCsv } from '../src/import/contacts.js';
import { importOrdersCsv } from '../src/import/orders.js';
import { validateEvent } from '../src/inbox/events.js';
import { renderEmailTemplate, renderSmsTemplate } from '../src/channels/templates.js';
import { PROJECT_ROOT } from '../src/config.js';
import { templateProblems } from '../src/campaigns/check.js';
import { campaignTrigger } from '../src/campaigns/enrolment.js';
import { parseCampaignDefinition } from '../src/domain/campaigns/definition.js';
import type { FlowCampaign } from '../src/domain/flows/definition.js';
import { useTestDatabase } from './support/db.js';

const examples = path.join(PROJECT_ROOT, 'examples');

describe('examples', () => {
  it('has a valid campaign definition of each kind', async () => {
    const files = await fs.readdir(path.join(examples, 'campaigns'));
    const kinds = [];
    for (const file of files) {
      const text = await fs.readFile(path.join(examples, 'campaigns', file), 'utf8');
      const campaign = parseCampaignDefinition(
        file.endsWith('.json') ? JSON.parse(text) : parseYaml(text),
      );
      expect(campaign.id).toBe(path.basename(file, path.extname(file)));
      kinds.push(campaign.kind);
    }
    expect(kinds.sort()).toEqual(['inactive_reactivation', 'low_clv_coupon', 'welcome_voucher']);
  });

  it('has flows that parse, each drawn from its entry to its exits, whose inline templates render', async () => {
    const dir = path.join(examples, 'flows');
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual(
      expect.arrayContaining(['second-order-nudge.yaml', 'vip-thank-you.yaml']),
    );
    for (const file of files) {
      const flow = parseCampaignDefinition(
        parseYaml(await fs.readFile(path.join(dir, file), 'utf8')),
      ) as unknown as FlowCampaign;
      expect(flow.kind, file).toBe('flow');
      for (const [id, node] of Object.entries(flow.nodes)) {
        if (node.type !== 'send') continue;
        // The node's template and each of its variants (an experiment's arms).
        for (const template of [node.template, ...(node.variants ?? []).map((v) => v.template)])
          if (typeof template !== 'string')
            expect(
              await templateProblems(
                `nodes.${id}.template`,
                node.channel === 'sms' ? 'sms' : 'email',
                template,
              ),
              file,
            ).toEqual([]);
      }
    }
    // The README's two flows: started by a purchase and by entry into "Champions".
    const trigger = async (file: string) =>
      campaignTrigger(
        parseCampaignDefinition(parseYaml(await fs.readFile(path.join(dir, file), 'utf8'))),
      );
    expect(await trigger('second-order-nudge.yaml')).toEqual({ on: 'event', event: 'purchase' });
    expect(await trigger('vip-thank-you.yaml')).toMatchObject({ on: 'segment_entry' });
  });

  it('has POST /events examples in the README that the endpoint takes, each as its own type', async () => {
    const readme = await fs.readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    // The bodies of the curl commands to /events, and the custom events written out in the text.
    const bodies = [
      ...[...readme.matchAll(/curl [^\n]*\/events [^\n]*(?:\\\n[^\n]*)?-d '(\{[\s\S]*?\})'/g)].map(
        (m) => m[1]!,
      ),
      ...[...readme.matchAll(/`(\{"type": "track",[\s\S]*?\})`/g)].map((m) => m[1]!),
    ];
    const types = bodies.map((body) => {
      const checked = validateEvent(JSON.parse(body));
      expect(checked.ok ? [] : checked.problems, body).toEqual([]);
      return (JSON.parse(body) as { type: string }).type;
    });
    expect(types.sort()).toEqual([
      'account_registered',
      'checkout_started',
      'order_refunded',
      'purchase',
      'track',
      'track',
    ]);
  });

  it('has an abandoned-checkout flow whose messages link back to the cart only when the store sent a recovery_url', async () => {
    const flow = parseCampaignDefinition(
      parseYaml(await fs.readFile(path.join(examples, 'flows', 'abandoned-checkout.yaml'), 'utf8')),
    ) as unknown as FlowCampaign;
    const url = 'https://shop.example/checkouts/c-1/recover';
    const variables = (recoveryUrl?: string) => ({
      contact: { first_name: 'Ada', email: 'ada@example.com' },
      shop: { name: 'Shop', url: 'https://shop.example' },
      coupon: { code: 'CART-1' },
      unsubscribe_url: 'https://shop.example/unsubscribe?token=t',
      checkout: {
        items: [{ title: 'Hat', quantity: 1, line_total: '€50.00' }],
        item_count: 1,
        total: '€50.00',
        ...(recoveryUrl ? { recovery_url: recoveryUrl } : {}),
      },
    });
    const locale = { locale: 'en', timeZone: 'UTC' };
    const rendered = async (recoveryUrl?: string) => {
      const out: string[] = [];
      for (const node of Object.values(flow.nodes))
        if (node.type === 'send' && typeof node.template !== 'string')
          out.push(
            'body' in node.template
              ? (await renderSmsTemplate(node.template, variables(recoveryUrl), locale)).body
              : (await renderEmailTemplate(node.template, variables(recoveryUrl), locale)).html,
          );
      return out;
    };
    const withUrl = await rendered(url);
    expect(withUrl.map((m) => m.includes(url))).toEqual([true, true, true]);
    expect(withUrl[2]).toBe(
      `Shop: your cart is still saved, and CART-1 still takes 10% off: ${url} Reply STOP to opt out.`,
    );
    const without = await rendered();
    for (const message of without) expect(message).not.toMatch(/href=""|: +Reply/);
    expect(without[2]).toBe(
      'Shop: your cart is still saved, and CART-1 still takes 10% off. Reply STOP to opt out.',
    );
  });

  describe('demo shop', () => {
    const database = useTestDatabase();

    it('imports without a rejected row, and a second import changes nothing', async () => {
      const contacts = await importContactsCsv(
        database.db,
        path.join(examples, 'data', 'contacts.csv'),
      );
      const orders = await importOrdersCsv(database.db, path.join(examples, 'data', 'orders.csv'));
      expect([contacts.rejected, orders.rejected]).toEqual([0, 0]);
      expect(contacts.inserted).toBe(1000);
      const again = await importOrdersCsv(database.db, path.join(examples, 'data', 'orders.csv'));
      expect([again.inserted, again.updated, again.unchanged]).toEqual([0, 0, orders.rows]);
    });

    it("gives the first recompute's models a sensible fit: spend varies between customers", async () => {
      const activities = createIndicatorActivities({
        db: database.db,
        client: {} as Client, // fitting touches no workflow
        taskQueue: 'unused',
      });
      await new MockActivityEnvironment().run(activities.summarizeContacts, {
        asOf: '2026-11-20T12:00:00Z',
      });
      const models = (await new MockActivityEnvironment().run(
        activities.fitValueModels,
      )) as FittedModels;
      expect(models.warnings).toEqual([]);
      const { p, q, v } = models.gammaGamma!.params;
      // A degenerate fit sends q and v to infinity; a real shop's q is small.
      expect(q).toBeGreaterThan(1);
      expect(q).toBeLessThan(100);
      const meanOrderValue = (p * v) / (q - 1);
      expect(meanOrderValue).toBeGreaterThan(20);
      expect(meanOrderValue).toBeLessThan(200);
    });

    it('prints the backtest the README shows for the demo shop, figure for figure', async () => {
      const readme = await fs.readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
      const shown = /```\n(Purchases \(distinct purchase days\)[^]*?)```/.exec(readme)![1]!;
      const printed = formatBacktest(
        await runBacktest(database.db, { calibrationEnd: '2025-11-20', holdoutDays: 365 }),
      ).split('\n');
      // The README elides rows with "…"; every line it does show is printed as it is.
      for (const line of shown.split('\n').filter((l) => l !== '' && l !== '…'))
        expect(printed, line).toContain(line);
    });
  });
});
