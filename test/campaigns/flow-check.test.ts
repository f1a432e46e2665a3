/**
 * A flow is checked against what exists before it is saved, on real Postgres: the segments it
 * tests, the segments it changes (static), its coupon sets, channels and templates, and the
 * events it names where it would not hear them as written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { checkFlowDefinition } from '../../src/campaigns/flow-check.js';
import { validateCampaign } from '../../src/campaigns/validate.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { getCampaign, saveCampaign } from '../../src/db/campaigns.js';
import { ensureCouponSet } from '../../src/db/coupons.js';
import { createSegment } from '../../src/db/segments.js';
import { FlowDefinitionError } from '../../src/domain/flows/definition.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const example = (name: string): unknown =>
  parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'flows', name), 'utf8'));

describe('flows checked against the database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const id of ['low-clv', 'reactivation', 'welcome'])
      await ensureCouponSet(database.db, { id });
    await saveCampaign(database.db, {
      id: 'welcome',
      name: 'Welcome',
      kind: 'welcome_voucher',
      couponSet: 'welcome',
    });
    await createSegment(database.db, {
      name: 'Big spenders',
      definition: { conditions: [{ field: 'total_spent', op: 'gt', value: 500 }] },
    });
  });
  afterAll(() => database?.drop());

  const problemsOf = async (definition: unknown): Promise<string[]> => {
    try {
      await checkFlowDefinition(database.db, definition);
      return [];
    } catch (err) {
      if (err instanceof FlowDefinitionError) return err.problems;
      throw err;
    }
  };

  it('accepts the three seed flows once their coupon sets exist', async () => {
    for (const file of [
      'low-clv-coupon.yaml',
      'inactive-reactivation.yaml',
      'welcome-voucher.yaml',
    ])
      expect(await problemsOf(example(file))).toEqual([]);
  });

  it('names a campaign an inJourney branch tests that does not exist, and accepts one that does', async () => {
    const flow = (inJourney: string) => ({
      id: 'browse',
      name: 'Browse',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'busy' },
        busy: { type: 'branch', if: { inJourney }, then: 'done', else: 'done' },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    expect(await problemsOf(flow('abandoned-chekout'))).toEqual([
      expect.stringMatching(
        /^nodes\.busy\.if\.inJourney: no campaign "abandoned-chekout"; known: .*"welcome".* \(create it first\)$/,
      ),
    ]);
    expect(await problemsOf(flow('welcome'))).toEqual([]);
    expect(await problemsOf(flow('browse'))).toEqual([]);
  });

  it('refuses a misspelt checkout event or key, which would start or end no journey', async () => {
    const checkout = example('abandoned-checkout.yaml') as {
      exitWhen: { events: string[] };
      nodes: { start: { key: string } };
    };
    checkout.exitWhen.events = ['checkout_complete'];
    checkout.nodes.start.key = 'checkout_idd';
    expect(await problemsOf(checkout)).toEqual([
      expect.stringMatching(
        /^nodes\.start\.key: checkout events carry no property "checkout_idd" to key on; use one of checkout_id, /,
      ),
      expect.stringMatching(
        /^exitWhen\.events\[0\]: unknown checkout event "checkout_complete"; did you mean "checkout_completed"\?/,
      ),
      expect.stringMatching(/^nodes\.coupon\.couponSet: no coupon set "abandoned-checkout"/),
    ]);
  });

  it("refuses Boomerang's own events where a flow never hears them, saying what to use", async () => {
    // A post-purchase review that stops when the order is refunded; a custom event cannot take
    // the name of one of Boomerang's own events, so each must reach the journey where it is named.
    const review = (entry: string, exitOn: string[], waitFor = 'review_posted') => ({
      id: 'review',
      name: 'Review',
      kind: 'flow',
      exitWhen: { events: exitOn },
      nodes: {
        start: { type: 'entry', trigger: 'event', event: entry, next: 'wait' },
        wait: {
          type: 'wait',
          until: { event: waitFor },
          timeout: '10 days',
          onEvent: 'done',
          onTimeout: 'done',
        },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    expect(
      await problemsOf(review('purchase', ['order_refunded', 'purchase'], 'account_registered')),
    ).toEqual([
      expect.stringMatching(
        /^nodes\.wait\.until\.event: "account_registered" never reaches a running journey here: a registration starts journeys/,
      ),
      'exitWhen.events[1]: "purchase" never reaches a running journey here: a purchase ends a journey with `exitWhen: { purchase: true }`',
    ]);
    expect(await problemsOf(review('checkout_completed', ['review_cancelled']))).toEqual([
      expect.stringMatching(
        /^nodes\.start\.event: "checkout_completed" starts no journey: a checkout's journey starts on "checkout_started"/,
      ),
    ]);
    // Where Boomerang does deliver them, its own events are fine: a refund starts journeys and
    // reaches running ones.
    expect(await problemsOf(review('purchase', ['checkout_completed'], 'purchase'))).toEqual([]);
    expect(
      await problemsOf(review('order_refunded', ['order_refunded'], 'order_refunded')),
    ).toEqual([]);
  });

  it('refuses a `where` on a wait until a purchase at validate and create, and still loads a flow stored with one', async () => {
    // A marketer meant "until a Shopify order"; every purchase of the contact would end the wait.
    const orderWatch = {
      id: 'order-watch',
      name: 'Order watch',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'event', event: 'account_registered', next: 'wait_order' },
        wait_order: {
          type: 'wait',
          until: { event: 'purchase', where: { source: 'shopify' } },
          timeout: '7 days',
          onEvent: 'done',
          onTimeout: 'done',
        },
        done: { type: 'exit', reason: 'completed' },
      },
    };
    const refused =
      /^nodes\.wait_order\.until\.where: a wait until a purchase hears every purchase of the contact/;
    expect((await validateCampaign(database.db, orderWatch)).problems).toEqual([
      expect.stringMatching(refused),
    ]);
    await expect(createCheckedCampaign(database.db, orderWatch)).rejects.toThrow(
      /nodes\.wait_order\.until\.where/,
    );
    // Saved before the check (saveCampaign checks the schema only), it still loads.
    await saveCampaign(database.db, orderWatch);
    expect((await getCampaign(database.db, 'order-watch')).definition).toMatchObject({
      nodes: { wait_order: { until: { event: 'purchase', where: { source: 'shopify' } } } },
    });
  });

  it('names a variable an inline template reads that the send never has, which would go out blank', async () => {
    const email = (subject: string) => ({
      subject,
      html: '<p>Thanks</p><a href="{{ unsubscribe_url }}">Unsubscribe</a>',
    });
    const problems = await problemsOf({
      id: 'birthday',
      name: 'Birthday',
      kind: 'flow',
      nodes: {
        start: { type: 'entry', trigger: 'event', event: 'purchase', next: 'gift' },
        gift: { type: 'coupon', couponSet: 'welcome', next: 'mail' },
        mail: {
          type: 'send',
          channel: 'email',
          coupon: 'gift',
          template: email(
            '{{ contact.firstname }}, {{ coupon.code }} for order {{ event.order_id }}',
          ),
          variants: [
            { name: 'b', template: email('{{ cupon.code }} until {{ coupon.expires_at }}') },
          ],
          next: 'sms',
        },
        sms: {
          type: 'send',
          channel: 'sms',
          template: { body: 'Code {{ coupon.code }} for {{ event.totl }} at {{ shop.name }}' },
          next: 'plain',
        },
        // A built-in template serves sends with and without a coupon: not refused.
        plain: { type: 'send', channel: 'email', template: 'welcome-offer', next: 'done' },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    expect(problems).toEqual([
      'nodes.mail.template.subject: unknown variable "contact.firstname"; did you mean "contact.first_name"? (contact has id, first_name, last_name, email, locale, timezone, country)',
      expect.stringMatching(
        /^nodes\.mail\.variants\.0\.template\.subject: unknown variable "cupon\.code"; did you mean "coupon"\?/,
      ),
      'nodes.sms.template.body: "coupon.code" is always empty here: the node has no coupon; name the coupon node it sends with: `coupon: gift`',
      'nodes.sms.template.body: unknown variable "event.totl"; did you mean "event.total"? (event has order_id, source, total)',
    ]);
    // A refund's entry event carries what its purchase's does.
    expect(
      await problemsOf({
        id: 'refund-survey',
        name: 'Refund survey',
        kind: 'flow',
        nodes: {
          start: { type: 'entry', trigger: 'event', event: 'order_refunded', next: 'sms' },
          sms: {
            type: 'send',
            channel: 'sms',
            template: { body: 'Order {{ event.order_id }}: {{ event.totl }} refunded' },
            next: 'done',
          },
          done: { type: 'exit', reason: 'completed' },
        },
      }),
    ).toEqual([
      'nodes.sms.template.body: unknown variable "event.totl"; did you mean "event.total"? (event has order_id, source, total)',
    ]);
    // A partial refund's entry event carries the amount refunded too.
    expect(
      await problemsOf({
        id: 'partial-refund-note',
        name: 'Partial refund note',
        kind: 'flow',
        exitWhen: { events: ['order_cancelled'] },
        nodes: {
          start: {
            type: 'entry',
            trigger: 'event',
            event: 'order_partially_refunded',
            next: 'sms',
          },
          sms: {
            type: 'send',
            channel: 'sms',
            template: {
              body: '{{ event.amount }} of order {{ event.order_id }}: {{ event.amout }}',
            },
            next: 'done',
          },
          done: { type: 'exit', reason: 'completed' },
        },
      }),
    ).toEqual([
      'nodes.sms.template.body: unknown variable "event.amout"; did you mean "event.amount"? (event has order_id, source, total, amount)',
    ]);
  });

  it('names each missing or unusable reference at its node and field', async () => {
    const problems = await problemsOf({
      id: 'broken',
      name: 'Broken',
      kind: 'flow',
      exitWhen: { leftSegment: 'Nobody' },
      nodes: {
        start: { type: 'entry', trigger: 'launch', next: 'vip' },
        vip: { type: 'branch', if: { inSegment: 'No such' }, then: 'coupon', else: 'done' },
        coupon: { type: 'coupon', couponSet: 'nope', next: 'mark' },
        mark: { type: 'segment', action: 'add', segment: 'Big spenders', next: 'push' },
        push: { type: 'send', channel: 'push', template: 'x', next: 'mail' },
        mail: { type: 'send', channel: 'email', template: 'no-such-template', next: 'done' },
        done: { type: 'exit', reason: 'completed' },
      },
    });
    expect(problems).toEqual([
      'nodes.mark.segment: segment "Big spenders" is dynamic; contacts can only be added to or removed from a static segment',
      expect.stringMatching(
        /^exitWhen\.leftSegment: no segment named "Nobody"; known: .*"Big spenders"/,
      ),
      expect.stringMatching(/^nodes\.vip\.if\.inSegment: no segment named "No such"/),
      expect.stringMatching(/^nodes\.coupon\.couponSet: no coupon set "nope"/),
      'nodes.push.channel: no channel "push"; known: email, sms',
      expect.stringMatching(/^nodes\.mail\.template: no email template named "no-such-template"/),
    ]);
  });
});
