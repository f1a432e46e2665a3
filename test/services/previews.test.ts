/**
 * `template preview` and `campaign test-send` on real Postgres, through the CLI and the service:
 * a preview renders the contact's own variables with a sample coupon and changes nothing (coupon
 * pool, messages, journey events); a test send puts the campaign's emails in the outbox marked as a
 * test, and neither the report, the metrics nor the frequency cap count them.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkContactFrequencyCap } from '../../src/channels/frequency-cap.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { upsertCheckout } from '../../src/db/checkouts.js';
import { messageCountsByChannelAndStatus } from '../../src/db/reports.js';
import { parseReportOptions } from '../../src/reports/options.js';
import { buildReport } from '../../src/reports/report.js';
import {
  type PreviewConfig,
  previewTemplate,
  testSendCampaign,
} from '../../src/services/previews.js';
import { runCli } from '../cli/support.js';
import { OPERATOR_BEARER, startReportServer } from '../http/support.js';
import { useTestDatabase } from '../support/db.js';
import { REPORT_CONFIG } from '../reports/matchers.js';

const database = useTestDatabase();
const SECRET = 'a-signing-secret-of-at-least-32-characters!!';
const config: PreviewConfig = {
  email: {
    provider: 'outbox',
    from: 'Shop <shop@example.com>',
    resendApiKey: undefined,
    requestsPerSecond: 2,
    batchSize: 100,
  },
  sms: { provider: 'outbox', twilio: undefined, requestsPerSecond: 10 },
  publicUrl: 'https://boomerang.example',
  signingSecret: SECRET,
  shop: { name: 'Corner Shop', url: 'https://shop.example', timezone: 'UTC', currency: 'EUR' },
  unsubscribeLinkDays: 365,
};
let contactId: number;

/** The CLI with this database, a signing secret (for the unsubscribe link) and a shop name. */
async function cli(args: string[]) {
  const env = { BOOMERANG_SIGNING_SECRET: SECRET, SHOP_NAME: 'Corner Shop' };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await runCli(database.url, args);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** What a preview must not change. */
async function snapshot() {
  const db = database.db;
  const count = async (table: 'messages' | 'journey_events' | 'message_batches') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const coupons = await db
    .selectFrom('coupons')
    .select(['code', 'contact_id', 'assigned_at'])
    .orderBy('code')
    .execute();
  return {
    messages: await count('messages'),
    events: await count('journey_events'),
    batches: await count('message_batches'),
    coupons,
  };
}

beforeAll(async () => {
  const db = database.db;
  contactId = (
    await db
      .insertInto('contacts')
      .values({
        email: 'grace@example.com',
        first_name: 'Grace',
        newsletter_status: 'subscribed',
        phone: '+34600111222',
        sms_consent: true,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await saveCampaign(db, {
    id: 'low-clv',
    name: 'Low CLV',
    kind: 'low_clv_coupon',
    couponSet: 'low-clv',
    utm: { campaign: 'spring-offer' },
  });
  await db.insertInto('coupon_sets').values({ id: 'low-clv', name: 'low-clv' }).execute();
  await db
    .insertInto('coupons')
    .values(['LOW-1', 'LOW-2', 'LOW-3'].map((code) => ({ set_id: 'low-clv', code })))
    .execute();
});

describe('template preview', () => {
  it("renders a built-in template with the contact's variables and a sample coupon, and changes nothing", async () => {
    const before = await snapshot();
    const preview = await previewTemplate(
      { db: database.db, config },
      { contactId, template: 'low-clv-offer' },
    );
    expect(preview.to).toBe('grace@example.com');
    expect(preview.subject).toBe('Grace, a coupon just for you: SAMPLE-7QX2');
    expect(preview.html).toContain('Corner Shop');
    expect(preview.text).toContain('SAMPLE-7QX2');
    expect(await snapshot()).toEqual(before);
  });

  it("renders a campaign's send node with its UTM tags, the sample code and its coupon set, and the SMS channel", async () => {
    const before = await snapshot();
    const email = await previewTemplate(
      { db: database.db, config },
      { contactId, campaignId: 'low-clv', node: 'send_reminder' },
    );
    expect(email.source).toBe('low-clv send_reminder');
    expect(email.subject).toContain('SAMPLE-7QX2');
    expect(email.couponSet).toBe('low-clv');
    expect(email.html).toContain('utm_campaign=spring-offer');
    const sms = await previewTemplate(
      { db: database.db, config },
      { contactId, template: 'voucher-reminder-sms', channel: 'sms' },
    );
    expect(sms).toMatchObject({ channel: 'sms', to: '+34600111222', html: null });
    expect(sms.text).toContain('SAMPLE-7QX2');
    expect(await snapshot()).toEqual(before);
  });

  it("renders a flow's send nodes by their ids, each naming its coupon node's set, and lists them when a node is unknown", async () => {
    const flow = parseYaml(
      await readFile(
        path.join(PROJECT_ROOT, 'examples', 'flows', 'abandoned-checkout.yaml'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    await saveCampaign(database.db, flow);
    const before = await snapshot();
    const deps = { db: database.db, config };
    const coupon = await previewTemplate(deps, {
      contactId,
      campaignId: 'abandoned-checkout',
      node: 'email-coupon',
    });
    expect(coupon.source).toBe('abandoned-checkout email-coupon');
    expect(coupon.couponSet).toBe('abandoned-checkout');
    expect(coupon.subject).toBe('Still thinking it over? SAMPLE-7QX2 takes 10% off your cart');
    // Without a checkout of the contact's, the items are empty; with one, they are its latest's.
    expect(coupon.sampleCheckout).toBeUndefined();
    await upsertCheckout(database.db, {
      id: 'cart-7',
      source: 'shopify',
      currency: 'EUR',
      total: 59.8,
      lineItems: [{ productId: 'p-1', title: 'Linen shirt', quantity: 2, price: 29.9 }],
      recoveryUrl: 'https://shop.example/cart/7',
      contactId,
      email: 'grace@example.com',
      startedAt: new Date(),
      updatedAt: new Date(),
    });
    const items = await previewTemplate(deps, {
      contactId,
      campaignId: 'abandoned-checkout',
      node: 'email-items',
    });
    expect(items.sampleCheckout).toBe('cart-7');
    expect(items.html).toContain('Linen shirt');
    expect(items.html).toContain('€59.80');
    expect(items.html).toContain(
      'https://shop.example/cart/7?utm_source=boomerang&amp;utm_medium=email&amp;utm_campaign=abandoned-checkout',
    );
    const sms = await previewTemplate(deps, {
      contactId,
      campaignId: 'abandoned-checkout',
      node: 'sms',
    });
    expect(sms).toMatchObject({ channel: 'sms', to: '+34600111222', sampleCheckout: 'cart-7' });
    await expect(
      previewTemplate(deps, { contactId, campaignId: 'abandoned-checkout', node: 'send_offer' }),
    ).rejects.toThrow(
      'the campaign has no send node "send_offer"; its send nodes: email-coupon, email-items, sms',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('boomerang template preview prints the rendered email and writes its HTML with --html', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'preview-'));
    const file = path.join(dir, 'offer.html');
    const before = await snapshot();
    const res = await cli([
      'template',
      'preview',
      'low-clv-offer',
      '--contact',
      String(contactId),
      '--html',
      file,
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('subject: Grace, a coupon just for you: SAMPLE-7QX2');
    expect(res.stdout).toContain('a sample; no code is assigned');
    expect(await readFile(file, 'utf8')).toContain('Corner Shop');
    await rm(dir, { recursive: true, force: true });
    expect(await snapshot()).toEqual(before);

    const unknown = await cli(['template', 'preview', 'nope', '--contact', String(contactId)]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no email template named "nope"/);
  });
});

describe('campaign test-send', () => {
  it('puts every email of the campaign in the outbox, marked as a test, counted in no report, metric or cap', async () => {
    const db = database.db;
    const couponsBefore = (await snapshot()).coupons;
    const sent = await testSendCampaign(
      { db, config },
      { campaignId: 'low-clv', to: 'marketer@example.com', contactId },
    );
    expect(sent.map((s) => [s.node, s.status])).toEqual([
      ['send_offer', 'sent'],
      ['send_reminder', 'sent'],
    ]);
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where(
        'id',
        'in',
        sent.map((s) => s.messageId),
      )
      .orderBy('id')
      .execute();
    for (const row of rows) {
      expect(row).toMatchObject({
        status: 'sent',
        provider: 'outbox',
        to_address: 'marketer@example.com',
        workflow_id: null,
        campaign_id: 'low-clv',
      });
      expect(row.subject).toMatch(/^\[TEST\] .*SAMPLE-7QX2/);
      expect(row.text).toContain('Grace');
      expect(row.headers['X-Boomerang-Test']).toBe('true');
      expect(row.provider_message_id).toBe(`outbox-${row.id}`);
    }
    expect((await snapshot()).coupons).toEqual(couponsBefore);

    // Counted nowhere: the report, the metrics, the frequency cap (1 per day would be full).
    const report = await buildReport(
      db,
      REPORT_CONFIG,
      parseReportOptions({ campaign: 'low-clv' }),
    );
    const c = report.campaigns[0]!;
    expect(c.messages.sent.total).toBe(0);
    expect(c.messages.bySendNode.map((n) => n.sent)).toEqual([0, 0]);
    expect(c.deliverability.emailsSent).toBe(0);
    expect(await messageCountsByChannelAndStatus(db)).toEqual([]);
    const cap = await checkContactFrequencyCap(
      db,
      { messages: 1, periodHours: 24 },
      contactId,
      new Date(),
    );
    expect(cap.allowed).toBe(true);
  });

  it("shows the same sample coupon as template preview of the campaign's template", async () => {
    const preview = await cli([
      'template',
      'preview',
      'low-clv-offer',
      '--contact',
      String(contactId),
    ]);
    const shown = /^coupon: +(\S+) /m.exec(preview.stdout)?.[1];
    expect(shown).toBe('SAMPLE-7QX2');
    const [sent] = await testSendCampaign(
      { db: database.db, config },
      { campaignId: 'low-clv', to: 'marketer@example.com', contactId, node: 'send_offer' },
    );
    expect(sent!.subject).toBe(`[TEST] Grace, a coupon just for you: ${shown}`);
  });

  it('boomerang campaign test-send --node sends one node, to the contact with that email by default', async () => {
    const res = await cli([
      'campaign',
      'test-send',
      'low-clv',
      '--to',
      'GRACE@example.com',
      '--node',
      'offer',
      '--json',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const sent = JSON.parse(res.stdout) as { node: string; status: string; subject: string }[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ node: 'send_offer', status: 'sent' });
    expect(sent[0]!.subject).toMatch(/^\[TEST\] Grace, a coupon just for you: SAMPLE-7QX2$/);

    const nobody = await cli(['campaign', 'test-send', 'low-clv', '--to', 'who@example.com']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no contact has the email "who@example.com": pass --contact ID/);
  });
});

describe("GET /api/preview (the dashboard's previews)", () => {
  it('renders each send node of a campaign for a contact, stores nothing, and answers 404 for an unknown campaign', async () => {
    const { email, publicUrl, signingSecret, shop, unsubscribeLinkDays } = config;
    const server = await startReportServer(database.db, {
      preview: { email, publicUrl, signingSecret, shop, unsubscribeLinkDays },
    });
    try {
      const before = await snapshot();
      const res = await fetch(`${server.base}/api/preview?campaign=low-clv&contact=${contactId}`, {
        headers: OPERATOR_BEARER,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        nodes: { node: string; preview: { subject: string; text: string } | null }[];
      };
      expect(body.nodes.map((n) => n.node)).toEqual(['send_offer', 'send_reminder']);
      expect(body.nodes[0]!.preview!.subject).toBe('Grace, a coupon just for you: SAMPLE-7QX2');
      expect(body.nodes[1]!.preview!.text).toContain('SAMPLE-7QX2');
      expect(await snapshot()).toEqual(before);

      const unknown = await fetch(`${server.base}/api/preview?campaign=nope&contact=${contactId}`, {
        headers: OPERATOR_BEARER,
      });
      expect(unknown.status).toBe(404);
      const anonymous = await fetch(`${server.base}/api/preview?campaign=low-clv&contact=1`);
      expect(anonymous.status).toBe(401);
    } finally {
      await server.close();
    }
  });
});
