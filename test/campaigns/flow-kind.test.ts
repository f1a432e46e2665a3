/**
 * The flow campaign kind: its trigger and re-entry read from the entry node, and its report graph
 * drawn from its nodes (node ids are the steps journeys record, exit nodes the ways out).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { campaignTrigger, howItStarts } from '../../src/campaigns/enrolment.js';
import { reentryOf } from '../../src/campaigns/kinds/kind.js';
import { campaignKind, parseCampaignDefinition } from '../../src/campaigns/kinds/registry.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { CampaignBase } from '../../src/campaigns/kinds/common.js';

const example = (name: string): CampaignBase =>
  parseCampaignDefinition(
    parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'flows', name), 'utf8')),
  );

describe('the flow kind', () => {
  it('starts as its entry node says, and re-enters as it says', () => {
    expect(campaignTrigger(example('low-clv-coupon.yaml'))).toEqual({ on: 'launch' });
    const vip = example('vip-thank-you.yaml');
    const trigger = campaignTrigger(vip);
    expect(trigger.on === 'segment_entry' && trigger.segment(vip)).toBe('Champions');
    expect(reentryOf(campaignKind('flow'), vip)).toBe('after_end');
    const keyed = parseCampaignDefinition({
      id: 'checkout',
      name: 'Checkout',
      kind: 'flow',
      nodes: {
        start: {
          type: 'entry',
          trigger: 'event',
          event: 'checkout_started',
          key: 'checkout_id',
          reentry: { atMostOncePer: '30 days' },
          next: 'done',
        },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    expect(campaignTrigger(keyed)).toEqual({
      on: 'event',
      event: 'checkout_started',
      key: 'checkout_id',
    });
    expect(reentryOf(campaignKind('flow'), keyed)).toEqual({ atMostOncePer: '30 days' });
    expect(howItStarts(example('second-order-nudge.yaml'))).toBe(
      'it starts a journey on every paid order the store reports (POST /events purchase, `boomerang event purchase`)',
    );
    // A checkout is a store event of its own type, not a custom `track` event.
    expect(howItStarts(keyed)).toBe(
      "it starts a journey for every checkout the store reports with a consenting contact (POST /events checkout_started or checkout_updated, or Shopify's checkouts webhooks)",
    );
    expect(howItStarts(example('browse-abandonment.yaml'))).toBe(
      `it starts a journey whenever the store reports a contact's "product_viewed" event (POST /events with type track, name product_viewed)`,
    );
  });

  it('draws its report graph from its nodes: yes/no on branches and event waits, exits as ends', () => {
    const flow = example('low-clv-coupon.yaml');
    const graph = campaignKind('flow').graph(flow);
    expect(graph.nodes.map((n) => [n.id, n.step, n.row])).toEqual([
      ['enrolled', null, 0],
      ['is_in_segment', 'is_in_segment', 1],
      ['assign_coupon', 'assign_coupon', 2],
      ['send_offer', 'send_offer', 3],
      ['wait', 'wait', 4],
      ['still_in_segment', 'still_in_segment', 5],
      ['has_purchased', 'has_purchased', 6],
      ['send_reminder', 'send_reminder', 7],
    ]);
    expect(graph.edges).toEqual([
      { from: 'enrolled', to: 'is_in_segment' },
      { from: 'is_in_segment', to: 'assign_coupon', label: 'yes' },
      { from: 'assign_coupon', to: 'send_offer' },
      { from: 'send_offer', to: 'wait' },
      { from: 'wait', to: 'still_in_segment', label: 'no' },
      { from: 'still_in_segment', to: 'has_purchased', label: 'yes' },
      { from: 'has_purchased', to: 'send_reminder', label: 'no' },
    ]);
    expect(graph.exits).toEqual([
      { from: 'is_in_segment', reason: 'not_in_segment', label: 'no' },
      { from: 'wait', reason: 'purchased', label: 'yes' },
      { from: 'still_in_segment', reason: 'left_segment', label: 'no' },
      { from: 'has_purchased', reason: 'purchased', label: 'yes' },
      { from: 'send_reminder', reason: 'completed' },
    ]);
  });
});
