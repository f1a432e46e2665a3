/**
 * The report's node graphs against the workflows' code: every step a campaign workflow enters is a
 * node, in the order the code enters them, and the graph is well formed (edges and exits between
 * known nodes, boxes that do not overlap).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config.js';
import {
  type CampaignDefinition,
  parseCampaignDefinition,
} from '../../../src/domain/campaigns/definition.js';
import { campaignGraph, messageSteps, nodeId } from '../../../src/domain/reports/graphs.js';

const source = (file: string) =>
  readFileSync(path.join(PROJECT_ROOT, 'src/workflows', file), 'utf8');

/** Journey methods whose first line enters a fixed step: `async name(…): … {⏎ await this.enter('step', …`. */
function helperSteps(): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of source('journey.ts').matchAll(
    /async (\w+)\([^)]*\)[^\n]*\{\n\s*await this\.enter\(\s*'(\w+)'/g,
  ))
    map.set(m[1]!, m[2]!);
  return map;
}

/** The node ids a workflow file enters, in source order: explicit enter/sendEmail/sendSms steps and the helpers'. */
function stepsInWorkflow(file: string): string[] {
  const helpers = helperSteps();
  const seen = new Map<string, number>();
  const ids: string[] = [];
  for (const m of source(file).matchAll(/journey\.(\w+)\(\s*(?:'(\w+)')?/g)) {
    const step = ['enter', 'sendEmail', 'sendSms'].includes(m[1]!) ? m[2] : helpers.get(m[1]!);
    if (!step) continue;
    const n = (seen.get(step) ?? 0) + 1;
    seen.set(step, n);
    ids.push(nodeId(step, n));
  }
  return ids;
}

const campaigns: [string, CampaignDefinition][] = [
  [
    'low-clv-coupon.ts',
    parseCampaignDefinition({ id: 'low', name: 'Low', kind: 'low_clv_coupon', couponSet: 'set' }),
  ],
  [
    'inactive-reactivation.ts',
    parseCampaignDefinition({
      id: 'inactive',
      name: 'Inactive',
      kind: 'inactive_reactivation',
      couponSet: 'set',
    }),
  ],
  [
    'welcome-voucher.ts',
    parseCampaignDefinition({
      id: 'welcome',
      name: 'Welcome',
      kind: 'welcome_voucher',
      couponSet: 'set',
    }),
  ],
];

describe('campaign node graphs', () => {
  it('knows the helper steps of the Journey class', () => {
    expect(Object.fromEntries(helperSteps())).toMatchObject({
      waitUnlessPurchase: 'wait',
      hasPurchased: 'has_purchased',
      assignCoupon: 'assign_coupon',
      addToSegment: 'add_to_segment',
      waitForContactWindow: 'wait_for_window',
    });
  });

  it.each(campaigns)(
    '%s: the nodes are the steps the workflow enters, in order',
    (file, campaign) => {
      const graph = campaignGraph(campaign);
      expect(graph.nodes[0]).toMatchObject({ id: 'enrolled', step: null, kind: 'start' });
      expect(graph.nodes.slice(1).map((n) => n.id)).toEqual(stepsInWorkflow(file));
      for (const n of graph.nodes.slice(1)) expect(nodeId(n.step!, n.occurrence)).toBe(n.id);
    },
  );

  it.each(campaigns)(
    '%s: edges and exits join known nodes; every node is reachable; boxes do not overlap',
    (_file, campaign) => {
      const graph = campaignGraph(campaign);
      const ids = new Set(graph.nodes.map((n) => n.id));
      expect(ids.size).toBe(graph.nodes.length);
      for (const e of graph.edges) {
        expect(ids.has(e.from), e.from).toBe(true);
        expect(ids.has(e.to), e.to).toBe(true);
      }
      for (const e of graph.exits) expect(ids.has(e.from), e.from).toBe(true);
      for (const n of graph.nodes.slice(1))
        expect(
          graph.edges.some((e) => e.to === n.id),
          `${n.id} has an incoming edge`,
        ).toBe(true);
      // Every node leads somewhere: on to another node or out of the journey.
      for (const n of graph.nodes)
        expect(
          graph.edges.some((e) => e.from === n.id) || graph.exits.some((e) => e.from === n.id),
          `${n.id} leads on`,
        ).toBe(true);
      // Decisions branch both ways.
      for (const n of graph.nodes.filter(
        (n) => n.kind === 'decision' || (n.id.startsWith('wait') && n.id !== 'wait_for_window'),
      )) {
        const labels = [
          ...graph.edges.filter((e) => e.from === n.id),
          ...graph.exits.filter((e) => e.from === n.id),
        ]
          .map((e) => e.label)
          .sort();
        expect(labels, n.id).toEqual(['no', 'yes']);
      }
      for (const a of graph.nodes)
        for (const b of graph.nodes)
          if (a !== b && a.col === b.col)
            expect(Math.abs(a.row - b.row), `${a.id} vs ${b.id}`).toBeGreaterThanOrEqual(0.8);
    },
  );

  it("labels nodes with the campaign's own settings and lists its message steps", () => {
    const welcome = campaignGraph(
      parseCampaignDefinition({
        id: 'w',
        name: 'W',
        kind: 'welcome_voucher',
        couponSet: 'vouchers',
        waits: { afterWelcome: '3 days' },
      }),
    );
    expect(welcome.nodes.find((n) => n.id === 'wait')!.label).toBe('Wait 3 days: purchased?');
    expect(welcome.nodes.find((n) => n.id === 'wait#2')!.label).toBe('Wait 5 days: purchased?');
    expect(welcome.nodes.find((n) => n.id === 'assign_coupon')!.label).toContain('"vouchers"');
    expect(messageSteps(welcome)).toEqual([
      'send_welcome',
      'send_voucher',
      'send_reminder',
      'send_reminder_sms',
    ]);
    expect(messageSteps(campaignGraph(campaigns[0]![1]))).toEqual(['send_offer', 'send_reminder']);
  });
});
