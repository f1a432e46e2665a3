/** A flow's graph drawn as text and as Mermaid, from the entry node on. */
import { describe, expect, it } from 'vitest';
import { parseFlowDefinition } from '../../../src/domain/flows/definition.js';
import { renderFlowMermaid, renderFlowText } from '../../../src/domain/flows/render.js';

const flow = parseFlowDefinition({
  id: 'second-order',
  name: 'Second-order nudge',
  kind: 'flow',
  exitWhen: { purchase: true },
  nodes: {
    done: { type: 'exit', reason: 'completed' },
    send: { type: 'send', channel: 'email', template: 'nudge', coupon: 'coupon', next: 'done' },
    coupon: { type: 'coupon', couponSet: 'nudge', validFor: '14 days', next: 'send' },
    likely: {
      type: 'branch',
      if: { rule: { field: 'probability_alive', op: 'lt', value: 0.5 } },
      then: 'coupon',
      else: 'done',
    },
    'wait-30d': { type: 'wait', duration: '30 days', next: 'likely' },
    start: { type: 'entry', trigger: 'event', event: 'purchase', next: 'wait-30d' },
  },
});

describe('flow drawings', () => {
  it('lists the nodes in the order a journey meets them, each with its exits', () => {
    expect(renderFlowText(flow)).toBe(
      [
        'second-order: Second-order nudge',
        '  exits at once on purchase',
        '  start [entry] on event "purchase"',
        '    next → wait-30d',
        '  wait-30d [wait] wait 30 days',
        '    next → likely',
        '  likely [branch] matches a condition?',
        '    yes → coupon',
        '    no → done',
        '  coupon [coupon] assign coupon from "nudge" (valid 14 days)',
        '    next → send',
        '  done [exit] end: completed',
        '  send [send] send email "nudge" with coupon of coupon',
        '    next → done',
      ].join('\n'),
    );
  });

  it('draws Mermaid with shapes by node type and quotes escaped', () => {
    const mermaid = renderFlowMermaid(flow).split('\n');
    expect(mermaid[0]).toBe('flowchart TD');
    expect(mermaid).toContain('  n0(["start: on event #quot;purchase#quot;"])');
    expect(mermaid).toContain('  n2{"likely: matches a condition?"}');
    expect(mermaid).toContain('  n2 -- "yes" --> n3');
    expect(mermaid).toContain('  n1 --> n2');
  });

  it('marks a split with `experiment` and a send with variants, and a concluded one’s winner', () => {
    const offers = parseFlowDefinition({
      id: 'offers',
      name: 'Offers',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'offer' },
        offer: {
          type: 'split',
          experiment: { control: 'plain', winner: 'coupon' },
          arms: [
            { name: 'plain', weight: 1, next: 'mail' },
            { name: 'coupon', weight: 1, next: 'halves' },
          ],
        },
        mail: {
          type: 'send',
          channel: 'email',
          template: 'nudge',
          variants: [{ name: 'short', template: 'nudge-short' }],
          next: 'done',
        },
        halves: {
          type: 'split',
          arms: [
            { name: 'a', weight: 1, next: 'done' },
            { name: 'b', weight: 1, next: 'done' },
          ],
        },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    const text = renderFlowText(offers).split('\n');
    expect(text).toContain(
      '  offer [split (experiment, concluded: coupon)] split plain 1 / coupon 1',
    );
    expect(text).toContain('  mail [send (experiment)] send email "nudge" or variant short');
    // A split without `experiment` is drawn as before.
    expect(text).toContain('  halves [split] split a 1 / b 1');
    const mermaid = renderFlowMermaid(offers).split('\n');
    expect(mermaid).toContain(
      '  n1{"offer: split plain 1 / coupon 1 (experiment, concluded: coupon)"}',
    );
    expect(mermaid).toContain(
      '  n2["mail: send email #quot;nudge#quot; or variant short (experiment)"]',
    );
    expect(mermaid).toContain('  n3{"halves: split a 1 / b 1"}');
  });
});
