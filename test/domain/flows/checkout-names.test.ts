/**
 * A flow's checkout names are ones checkout events carry: a misspelt checkout event or key would
 * start no journey, or never end one, without a word. Custom events keep any name and key.
 */
import { describe, expect, it } from 'vitest';
import { checkoutNameProblems } from '../../../src/domain/flows/checkout-names.js';
import { parseFlowDefinition } from '../../../src/domain/flows/definition.js';

const CHECKOUT_EVENTS = 'checkout_started, checkout_updated, checkout_completed, checkout_deleted';

const flow = (entry: Record<string, unknown>, waitFor: string, exitEvents: string[]) =>
  parseFlowDefinition({
    id: 'cart',
    name: 'Cart',
    kind: 'flow',
    exitWhen: { events: exitEvents },
    nodes: {
      start: { type: 'entry', trigger: 'event', next: 'w', ...entry },
      w: {
        type: 'wait',
        until: { event: waitFor },
        timeout: '1 day',
        onEvent: 'done',
        onTimeout: 'done',
      },
      done: { type: 'exit', reason: 'completed' },
    },
  });

const checkoutEntry = {
  event: 'checkout_started',
  key: 'checkout_id',
  updatedBy: 'checkout_updated',
};

describe('checkout names in a flow', () => {
  it('accepts the checkout events and a key they carry', () => {
    const good = flow(checkoutEntry, 'checkout_completed', [
      'checkout_completed',
      'checkout_deleted',
    ]);
    expect(checkoutNameProblems(good)).toEqual([]);
    expect(
      checkoutNameProblems(
        flow({ ...checkoutEntry, key: 'source' }, 'purchase', ['checkout_deleted']),
      ),
    ).toEqual([]);
  });

  it('refuses a key checkout events do not carry, naming the field and the keys they do', () => {
    expect(
      checkoutNameProblems(
        flow({ ...checkoutEntry, key: 'checkout_idd' }, 'purchase', ['checkout_deleted']),
      ),
    ).toEqual([
      'nodes.start.key: checkout events carry no property "checkout_idd" to key on; use one of checkout_id, source, currency, total, item_count, recovery_url',
    ]);
    // line_items is a list: no journey could be keyed on it.
    expect(
      checkoutNameProblems(
        flow({ ...checkoutEntry, key: 'line_items' }, 'purchase', ['checkout_deleted']),
      ),
    ).toHaveLength(1);
  });

  it('refuses a misspelt checkout event wherever the flow names one, saying which it means', () => {
    const meant = (name: string) => `did you mean "${name}"? (checkout events: ${CHECKOUT_EVENTS})`;
    expect(
      checkoutNameProblems(
        flow({ ...checkoutEntry, updatedBy: 'checkout_updatd' }, 'checkout_complete', [
          'checkout_deleted',
          'checkout_complete',
        ]),
      ),
    ).toEqual([
      `nodes.start.updatedBy: unknown checkout event "checkout_updatd"; ${meant('checkout_updated')}`,
      `nodes.w.until.event: unknown checkout event "checkout_complete"; ${meant('checkout_completed')}`,
      `exitWhen.events[1]: unknown checkout event "checkout_complete"; ${meant('checkout_completed')}`,
    ]);
    expect(
      checkoutNameProblems(flow({ event: 'checkout_startd' }, 'purchase', ['checkout_deleted'])),
    ).toEqual([
      `nodes.start.event: unknown checkout event "checkout_startd"; ${meant('checkout_started')}`,
    ]);
  });

  it('leaves custom events their names and keys', () => {
    expect(
      checkoutNameProblems(
        flow(
          { event: 'cart_started', key: 'cart_id', updatedBy: 'cart_changed' },
          'checkout_paid',
          ['cart_emptied', 'checkout_abandoned_twice'],
        ),
      ),
    ).toEqual([]);
  });
});
