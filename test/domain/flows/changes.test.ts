/** Which changes to a flow running journeys can take at their next node, named by node. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../../src/config.js';
import { UnsafeDefinitionChangeError } from '../../../src/domain/campaigns/definition-change.js';
import { checkFlowUpdate, flowDefinitionChanges } from '../../../src/domain/flows/changes.js';
import { type FlowCampaign, parseFlowDefinition } from '../../../src/domain/flows/definition.js';

const v1 = parseFlowDefinition(
  parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'examples/flows/low-clv-coupon.yaml'), 'utf8')),
);
const withNodes = (nodes: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseFlowDefinition({ ...v1, ...extra, nodes: { ...v1.nodes, ...nodes } });

describe('flow updates for running journeys', () => {
  it('lets running journeys take new templates, waits, coupon sets and exits', () => {
    const v2 = withNodes({
      send_reminder: { ...v1.nodes.send_reminder, template: 'last-call' },
      wait: { ...v1.nodes.wait, timeout: '3 days' },
      assign_coupon: { ...v1.nodes.assign_coupon, couponSet: 'low-clv-2' },
    });
    expect(checkFlowUpdate(v1, v2, 'adopt')).toEqual([
      { field: 'nodes.assign_coupon', unsafeBecause: null },
      { field: 'nodes.send_reminder', unsafeBecause: null },
      { field: 'nodes.wait', unsafeBecause: null },
    ]);
  });

  it('refuses to adopt a removed node, another type or another kind of wait, naming the node', () => {
    const nodes = { ...v1.nodes } as Record<string, unknown>;
    delete nodes.still_in_segment;
    delete nodes['left-segment'];
    const v2 = parseFlowDefinition({
      ...v1,
      nodes: {
        ...nodes,
        wait: { type: 'wait', duration: '7 days', next: 'has_purchased' },
        send_offer: { type: 'tag', action: 'add', tag: 'offered', next: 'wait' },
        'not-in-segment': { type: 'exit', reason: 'not_targeted' },
      },
    });
    expect(flowDefinitionChanges(v1, v2)).toEqual([
      { field: 'nodes.left-segment', unsafeBecause: null },
      { field: 'nodes.not-in-segment', unsafeBecause: null },
      {
        field: 'nodes.send_offer',
        unsafeBecause:
          'node "send_offer" changes from send to tag, and a journey at it could not go on',
      },
      {
        field: 'nodes.still_in_segment',
        unsafeBecause: 'node "still_in_segment" is removed, and a journey at it could not go on',
      },
      {
        field: 'nodes.wait',
        unsafeBecause: 'a journey at wait "wait" waits for an event, not a duration',
      },
    ]);
    expect(() => checkFlowUpdate(v1, v2, 'adopt')).toThrow(UnsafeDefinitionChangeError);
    expect(() => checkFlowUpdate(v1, v2, 'adopt')).toThrow(
      /nodes\.still_in_segment: node "still_in_segment" is removed/,
    );
    expect(checkFlowUpdate(v1, v2, 'keep')).toHaveLength(5);
  });

  it('refuses to adopt a change of who enrols', () => {
    const v2: FlowCampaign = withNodes({}, { audience: { limitation: 'all', source: 'existing' } });
    expect(flowDefinitionChanges(v1, v2)).toEqual([
      {
        field: 'audience',
        unsafeBecause: 'the audience decides who enrols, not what a running journey does',
      },
    ]);
  });
});
