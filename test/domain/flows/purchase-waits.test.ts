/**
 * A wait until a purchase hears every purchase of the contact: a `where` on it would be ignored,
 * so the flow's checks refuse it, naming the field and, in a keyed journey, what the wait hears.
 * A flow stored with one before still loads.
 */
import { describe, expect, it } from 'vitest';
import { parseCampaignDefinition } from '../../../src/domain/campaigns/definition.js';
import { parseFlowDefinition } from '../../../src/domain/flows/definition.js';
import { purchaseWaitProblems } from '../../../src/domain/flows/purchase-waits.js';

const flow = (entry: Record<string, unknown>, until: Record<string, unknown>) => ({
  id: 'follow-up',
  name: 'Follow-up',
  kind: 'flow',
  nodes: {
    start: { type: 'entry', trigger: 'event', next: 'wait_order', ...entry },
    wait_order: {
      type: 'wait',
      until,
      timeout: '3 days',
      onEvent: 'done',
      onTimeout: 'done',
    },
    done: { type: 'exit', reason: 'completed' },
  },
});
const problems = (entry: Record<string, unknown>, until: Record<string, unknown>) =>
  purchaseWaitProblems(parseFlowDefinition(flow(entry, until)));

const REFUSED =
  'nodes.wait_order.until.where: a wait until a purchase hears every purchase of the contact and ends on the first, whatever its properties, so "where" would be ignored; remove it';

describe('a wait until a purchase', () => {
  it('refuses a `where`, naming the field and saying that every purchase ends the wait', () => {
    const shopify = { event: 'purchase', where: { source: 'shopify' } };
    expect(problems({ event: 'account_registered' }, shopify)).toEqual([REFUSED]);
  });

  it('says, in a journey keyed per checkout or per order, that it hears the contact’s every order', () => {
    const big = { event: 'purchase', where: { total: 100 } };
    const checkout = { event: 'checkout_started', key: 'checkout_id' };
    expect(problems(checkout, big)).toEqual([
      `${REFUSED}; a journey per checkout hears every order of the contact here too, not only the one that completes its checkout (a wait until { event: checkout_completed } hears that one)`,
    ]);
    expect(problems({ event: 'purchase', key: 'order_id' }, big)).toEqual([
      `${REFUSED}; a journey keyed per order_id hears every purchase of the contact here too, whatever its order_id`,
    ]);
  });

  it('takes one without `where`, and a `where` on any other event, which the wait tests', () => {
    const entry = { event: 'account_registered' };
    expect(problems(entry, { event: 'purchase' })).toEqual([]);
    expect(problems(entry, { event: 'purchase', where: {} })).toEqual([]);
    expect(problems(entry, { event: 'quote_accepted', where: { channel: 'web' } })).toEqual([]);
  });

  it('still loads a flow stored with one, so its running journeys go on', () => {
    const stored = flow({ event: 'account_registered' }, { event: 'purchase', where: { x: 1 } });
    expect(parseCampaignDefinition(stored)).toMatchObject({
      nodes: { wait_order: { until: { event: 'purchase', where: { x: 1 } } } },
    });
  });
});
