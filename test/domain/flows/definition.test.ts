/**
 * Flow definitions: what a shop writes is checked before a journey runs, and every problem names
 * the node and the field; the three seed campaigns, written as flows, are valid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../../src/config.js';
import { FlowDefinitionError, parseFlowDefinition } from '../../../src/domain/flows/definition.js';
import { flowReferences } from '../../../src/domain/flows/graph.js';
import { flowSteps } from '../../../src/domain/flows/steps.js';

const base = { id: 'nudge', name: 'Nudge', kind: 'flow' };

/** The problems parseFlowDefinition reports for `nodes`, or [] if it accepts them. */
function problems(nodes: Record<string, unknown>, extra: Record<string, unknown> = {}): string[] {
  try {
    parseFlowDefinition({ ...base, ...extra, nodes });
    return [];
  } catch (err) {
    if (err instanceof FlowDefinitionError) return err.problems;
    throw err;
  }
}

const start = { type: 'entry', trigger: 'launch', next: 'send' };
const done = { type: 'exit', reason: 'completed' };

describe('the seed campaigns as flows', () => {
  const dir = path.join(PROJECT_ROOT, 'examples', 'flows');
  const files = fs.readdirSync(dir);

  it('has the three seeds, each a valid flow named after its file', () => {
    const seeds = ['inactive-reactivation.yaml', 'low-clv-coupon.yaml', 'welcome-voucher.yaml'];
    // Beside them, the README's flows (test/examples.test.ts checks those).
    expect(files).toEqual(expect.arrayContaining(seeds));
    for (const file of seeds) {
      const flow = parseFlowDefinition(parseYaml(fs.readFileSync(path.join(dir, file), 'utf8')));
      expect(flow.id).toBe(`${path.basename(file, '.yaml')}-flow`);
    }
  });

  it('records the coded welcome journey’s steps, its second wait and check under ids of their own', () => {
    const flow = parseFlowDefinition(
      parseYaml(fs.readFileSync(path.join(dir, 'welcome-voucher.yaml'), 'utf8')),
    );
    expect(Object.keys(flowSteps(flow))).toEqual([
      'send_welcome',
      'wait',
      'has_purchased',
      'add_to_segment',
      'wait_for_window',
      'assign_coupon',
      'send_voucher',
      'wait_after_voucher',
      'has_purchased_after_voucher',
      'send_reminder',
      'send_reminder_sms',
    ]);
    expect(flowReferences(flow)).toEqual({
      segments: ['Welcome converted'],
      templates: [
        { channel: 'email', name: 'welcome-offer', node: 'send_welcome' },
        { channel: 'email', name: 'welcome-voucher', node: 'send_voucher' },
        { channel: 'email', name: 'voucher-reminder', node: 'send_reminder' },
        { channel: 'sms', name: 'voucher-reminder-sms', node: 'send_reminder_sms' },
      ],
      couponSets: ['welcome'],
      channels: ['email', 'sms'],
      events: ['account_registered', 'purchase'],
    });
  });
});

describe('field checks', () => {
  it('names the node and the field of a bad duration', () => {
    expect(
      problems({
        start: { ...start, next: 'wait-7d' },
        'wait-7d': { type: 'wait', duration: '7 dais', next: 'done' },
        done,
      }),
    ).toEqual(['nodes.wait-7d.duration: must be a duration such as "7 days" or "8 hours"']);
  });

  it('says what a duration or a re-entry rule is when given a number', () => {
    expect(
      problems({
        start: { ...start, next: 'wait-7d', reentry: { atMostOncePer: 7 } },
        'wait-7d': { type: 'wait', duration: 7, next: 'done' },
        done,
      }),
    ).toEqual([
      'nodes.start.reentry: must be "never", "after_end" or { atMostOncePer: DURATION } such as "30 days"',
      'nodes.wait-7d.duration: must be a duration such as "7 days" or "8 hours"',
    ]);
    expect(
      problems({
        start: { ...start, next: 'b' },
        b: { type: 'branch', if: { purchased: {} }, then: 'done', else: 'done' },
        done,
      }),
    ).toEqual(['nodes.b.if.purchased.within: is required']);
  });

  it('names an unknown node type and an unknown field', () => {
    expect(
      problems({
        start,
        send: { type: 'email', template: 'x', next: 'done' },
        done: { ...done, why: 'x' },
      }),
    ).toEqual([
      'nodes.send.type: must be one of entry, wait, branch, split, send, coupon, segment, tag, exit',
      'nodes.done: unknown field "why"',
    ]);
  });

  it('wants both exits and a timeout of a wait for an event, and no plain `next`', () => {
    expect(
      problems({
        start: { ...start, next: 'w' },
        w: { type: 'wait', until: { event: 'purchase' }, next: 'done' },
        done,
      }),
    ).toEqual([
      'nodes.w.timeout: is required when waiting for an event',
      'nodes.w.onEvent: is required when waiting for an event',
      'nodes.w.onTimeout: is required when waiting for an event',
      'nodes.w.next: an event wait has onEvent and onTimeout instead',
    ]);
  });

  it('checks a branch condition in the segment rule language, at its path', () => {
    expect(
      problems({
        start: { ...start, next: 'b' },
        b: {
          type: 'branch',
          if: { rule: { field: 'clv', op: 'lt', value: 1 } },
          then: 'done',
          else: 'done',
        },
        done,
      })[0],
    ).toMatch(/^nodes\.b\.if\.rule\.conditions\[0\]\.field: unknown field "clv"; known fields: /);
    expect(
      problems({
        start: { ...start, next: 'b' },
        b: {
          type: 'branch',
          if: { inSegment: 'x', purchased: { within: '7 days' } },
          then: 'done',
          else: 'done',
        },
        done,
      }),
    ).toEqual([
      'nodes.b.if: must have exactly one of inSegment, purchased, rule, inJourney, entryEvent (has inSegment, purchased)',
    ]);
  });

  it('allows a keyed entry only on an event, whose property is the key', () => {
    expect(problems({ start: { ...start, next: 'done', key: 'checkout_id' }, done })).toEqual([
      'nodes.start.key: a keyed entry needs trigger event, whose property is the key',
    ]);
    expect(
      problems({
        start: {
          type: 'entry',
          trigger: 'event',
          event: 'checkout_started',
          key: 'checkout_id',
          reentry: { atMostOncePer: '30 days' },
          next: 'done',
        },
        done,
      }),
    ).toEqual([]);
    expect(
      problems({ start: { type: 'entry', trigger: 'segment_entry', next: 'done' }, done }),
    ).toEqual(['nodes.start.segment: is required with trigger segment_entry']);
  });

  it('takes quiet hours and a frequency cap policy as every campaign does, and checks them', () => {
    const nodes = { start: { ...start, next: 'done' }, done };
    const pressure = {
      quietHours: { sms: { from: '10:00', to: '19:00', days: ['mon'] }, whenQuiet: 'drop' },
      frequencyCap: { whenCapped: 'delay', delayUpTo: '2 days', priority: 10 },
    };
    const flow = parseFlowDefinition({ ...base, ...pressure, nodes });
    expect(flow.quietHours).toMatchObject(pressure.quietHours);
    expect(flow.frequencyCap).toEqual(pressure.frequencyCap);
    expect(problems(nodes, { frequencyCap: { whenCapped: 'delay', delayUpTo: '3 dayz' } })).toEqual(
      ['frequencyCap.delayUpTo: must be a duration such as "7 days" or "8 hours"'],
    );
  });
});

describe('graph checks', () => {
  const send = { type: 'send', channel: 'email', template: 'offer', next: 'done' };

  it('names an unknown next node, and the node it likely misspells', () => {
    expect(problems({ start, send: { ...send, next: 'dnoe' }, done })).toEqual([
      'nodes.send.next: unknown node "dnoe"; did you mean "done"?',
    ]);
    expect(problems({ start, send: { ...send, next: 'finish' }, done })).toEqual([
      'nodes.send.next: unknown node "finish"; the nodes are start, send, done',
    ]);
  });

  it('wants exactly one entry node', () => {
    expect(problems({ send, done })).toEqual(['nodes: needs an entry node (type: entry)']);
  });

  it('names a node no path reaches, and one whose paths never end', () => {
    expect(
      problems({
        start: { ...start, next: 'w' },
        w: { type: 'wait', duration: '1 day', next: 'w2' },
        w2: { type: 'wait', duration: '1 day', next: 'w' },
        send,
        done,
      }),
    ).toEqual([
      'nodes.send: is not reachable from the entry node "start"',
      'nodes.done: is not reachable from the entry node "start"',
      'nodes.start: never reaches an exit node: every path must end',
      'nodes.w: never reaches an exit node: every path must end',
      'nodes.w2: never reaches an exit node: every path must end',
    ]);
  });

  it('refuses a cycle without a wait, and allows one through a wait', () => {
    const loop = (via: Record<string, unknown>) => ({
      start: { ...start, next: 'b' },
      b: { type: 'branch', if: { inSegment: 'VIP' }, then: 'done', else: 'tag' },
      tag: { type: 'tag', action: 'add', tag: 'not-yet', next: 'via' },
      via,
      done,
    });
    const refused = [
      'nodes.b: is on a cycle without a wait (b → tag → via → b); add a wait node to it (a wait of a duration that is not zero: a contact window passes at once while open)',
    ];
    expect(problems(loop({ type: 'segment', action: 'add', segment: 'x', next: 'b' }))).toEqual(
      refused,
    );
    expect(problems(loop({ type: 'wait', duration: '7 days', next: 'b' }))).toEqual([]);
    // Waits that may pass at once do not break a loop.
    expect(problems(loop({ type: 'wait', duration: '0 seconds', next: 'b' }))).toEqual(refused);
    expect(problems(loop({ type: 'wait', until: 'contact_window', next: 'b' }))).toEqual(refused);
    const eventWait = (timeout: string) => ({
      type: 'wait',
      until: { event: 'viewed' },
      timeout,
      onEvent: 'done',
      onTimeout: 'b',
    });
    expect(problems(loop(eventWait('0 ms')))).toEqual(refused);
    expect(problems(loop(eventWait('1 day')))).toEqual([]);
  });

  it('wants the coupon of a send assigned on every path to it', () => {
    const nodes = {
      start: { ...start, next: 'b' },
      b: { type: 'branch', if: { inSegment: 'VIP' }, then: 'coupon', else: 'send' },
      coupon: { type: 'coupon', couponSet: 'vip', next: 'send' },
      send: { ...send, coupon: 'coupon' },
      done,
    };
    expect(problems(nodes)).toEqual([
      'nodes.send.coupon: a path reaches this send without passing coupon node "coupon"',
    ]);
    expect(problems({ ...nodes, b: { ...nodes.b, else: 'done' } })).toEqual([]);
    expect(problems({ ...nodes, send: { ...send, coupon: 'b' } })).toEqual([
      'nodes.send.coupon: "b" is not a coupon node',
    ]);
  });

  it('lets a branch test the entry event only when the flow starts on one', () => {
    const nodes = {
      start: { ...start, next: 'b' },
      b: {
        type: 'branch',
        if: { entryEvent: { property: 'total', op: 'exists' } },
        then: 'done',
        else: 'done',
      },
      done,
    };
    expect(problems(nodes)).toEqual([
      'nodes.b.if.entryEvent: needs an entry on an event (entry "start" is launch)',
    ]);
    expect(
      problems({
        ...nodes,
        start: { type: 'entry', trigger: 'event', event: 'purchase', next: 'b' },
      }),
    ).toEqual([]);
    // No order of size on an entry event: the problem says which comparisons there are.
    expect(
      problems({
        start: { type: 'entry', trigger: 'event', event: 'purchase', next: 'b' },
        b: { ...nodes.b, if: { entryEvent: { property: 'total', op: 'gte', value: 100 } } },
        done,
      }),
    ).toEqual([
      'nodes.b.if.entryEvent.op: must be eq, neq, exists or not_exists: an entry event property is compared by equality, not by size',
    ]);
  });
});
