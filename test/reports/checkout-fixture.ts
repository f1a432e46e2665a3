/**
 * A checkout flow's history written straight into Postgres: its journeys (keyed on the checkout),
 * messages sent and withheld, checkouts and the orders naming them, from other sources and
 * refunded too. test/reports/checkout-recovery.test.ts states the figures it must give.
 */
import { saveCampaign } from '../../src/db/campaigns.js';
import type { Db } from '../../src/db/database.js';

export const CHECKOUT_CAMPAIGN = 'cart';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-02T10:00:00Z');
const at = (hours: number) => new Date(T0 + hours * HOUR);

const CHECKOUT_FLOW = {
  id: CHECKOUT_CAMPAIGN,
  name: 'Abandoned cart',
  kind: 'flow',
  holdoutPercent: 30,
  nodes: {
    start: {
      type: 'entry',
      trigger: 'event',
      event: 'checkout_started',
      key: 'checkout_id',
      next: 'wait-1h',
    },
    'wait-1h': { type: 'wait', duration: '1 hour', next: 'email-items' },
    'email-items': {
      type: 'send',
      channel: 'email',
      template: { subject: 'Your cart', html: '<p>{{ checkout.total }}</p>' },
      next: 'wait-1d',
    },
    'wait-1d': { type: 'wait', duration: '1 day', next: 'sms' },
    sms: { type: 'send', channel: 'sms', template: { body: 'Your cart' }, next: 'done' },
    done: { type: 'exit', reason: 'completed' },
  },
};

interface Case {
  checkout: string;
  holdout?: boolean;
  /** Hours after the start when each node's message went (held out: was withheld). */
  touches?: Partial<Record<'email-items' | 'sms', number>>;
  /** A failed message: no touch. */
  failed?: 'email-items' | 'sms';
  orders?: {
    hours: number;
    total: number;
    currency?: string;
    source?: string;
    status?: 'paid' | 'refunded';
  }[];
}

const CASES: Case[] = [
  // Treated.
  { checkout: 'a', touches: { 'email-items': 1 }, orders: [{ hours: 2, total: 100 }] },
  { checkout: 'b', touches: { 'email-items': 1, sms: 25 }, orders: [{ hours: 26, total: 50 }] },
  { checkout: 'c', orders: [{ hours: 0.5, total: 70 }] }, // ordered before any message
  { checkout: 'd', touches: { 'email-items': 1, sms: 25 } },
  {
    checkout: 'e',
    touches: { 'email-items': 1 },
    orders: [{ hours: 3, total: 40, currency: 'USD' }],
  },
  {
    checkout: 'f',
    touches: { 'email-items': 1 },
    failed: 'sms',
    orders: [
      { hours: 30, total: 90, source: 'pos' }, // another source's checkout of the same id
      { hours: 31, total: 90, status: 'refunded' },
    ],
  },
  // Held out.
  {
    checkout: 'g',
    holdout: true,
    touches: { 'email-items': 1 },
    orders: [{ hours: 2, total: 80 }],
  },
  { checkout: 'h', holdout: true, touches: { 'email-items': 1, sms: 25 } },
  { checkout: 'i', holdout: true, orders: [{ hours: 0.2, total: 60 }] },
];

/** The checkout flow, a welcome campaign beside it, and the cases above. */
export async function seedCheckoutFixture(db: Db): Promise<void> {
  await saveCampaign(db, CHECKOUT_FLOW);
  await saveCampaign(db, {
    id: 'welcome',
    name: 'Welcome',
    kind: 'welcome_voucher',
    couponSet: 'w',
  });
  let orderNo = 0;
  for (const c of CASES) {
    const contact = await db
      .insertInto('contacts')
      .values({ email: `${c.checkout}@example.com`, newsletter_status: 'subscribed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const workflowId = `${CHECKOUT_CAMPAIGN}/${contact.id}/key/${c.checkout}`;
    await db
      .insertInto('journeys')
      .values({
        workflow_id: workflowId,
        campaign_id: CHECKOUT_CAMPAIGN,
        contact_id: contact.id,
        holdout: c.holdout ?? false,
        enrolled_at: at(0),
      })
      .execute();
    await db
      .insertInto('checkouts')
      .values({
        source: 'shop',
        external_id: c.checkout,
        contact_id: contact.id,
        currency: 'EUR',
        total: 10,
        started_at: at(0),
        updated_at: at(0),
      })
      .execute();
    const message = (step: string, hours: number, status: 'sent' | 'failed') => ({
      idempotency_key: `${workflowId}/${step}`,
      channel: step === 'sms' ? 'sms' : 'email',
      provider: 'test',
      status,
      contact_id: contact.id,
      campaign_id: CHECKOUT_CAMPAIGN,
      workflow_id: workflowId,
      to_address: `${c.checkout}@example.com`,
      text: 'x',
      created_at: at(hours),
      sent_at: status === 'sent' ? at(hours) : null,
    });
    for (const [step, hours] of Object.entries(c.touches ?? {})) {
      if (c.holdout)
        await db
          .insertInto('journey_events')
          .values({
            idempotency_key: `${workflowId}/${step}:message`,
            workflow_id: workflowId,
            campaign_id: CHECKOUT_CAMPAIGN,
            contact_id: contact.id,
            type: 'message_skipped',
            step,
            detail: JSON.stringify({
              channel: step === 'sms' ? 'sms' : 'email',
              reason: 'holdout',
            }),
            occurred_at: at(hours),
          })
          .execute();
      else
        await db
          .insertInto('messages')
          .values(message(step, hours, 'sent'))
          .execute();
    }
    if (c.failed)
      await db
        .insertInto('messages')
        .values(message(c.failed, 25, 'failed'))
        .execute();
    for (const o of c.orders ?? [])
      await db
        .insertInto('orders')
        .values({
          source: o.source ?? 'shop',
          external_id: `order-${++orderNo}`,
          contact_id: contact.id,
          placed_at: at(o.hours),
          total: o.total,
          currency: o.currency ?? 'EUR',
          status: o.status ?? 'paid',
          checkout_id: c.checkout,
        })
        .execute();
  }
}
