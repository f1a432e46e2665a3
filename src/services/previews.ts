/**
 * Seeing a message before its campaign runs: `template preview` renders a template (built-in, or
 * one of a campaign's) for a real contact, and `campaign test-send` sends a campaign's emails to
 * one address through the configured provider.
 *
 * Both render through the send path's own renderer (channels/prepare/render.ts): the contact's
 * variables, locale, unsubscribe link and UTM tags are the ones a journey would use. The coupon is a
 * sample code: nothing is assigned. A preview stores nothing. A test send is stored in `messages`
 * (the outbox keeps it there) under a key starting with TEST_SEND_KEY_PREFIX and no journey, with
 * `[TEST]` before its subject and an `X-Boomerang-Test` header: reports, metrics and the frequency
 * cap leave such messages out.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { createChannels } from '../channels/index.js';
import { createOutboxEmailProvider, createOutboxSmsProvider } from '../channels/outbox.js';
import { type RenderedMessage, renderMessage } from '../channels/prepare/render.js';
import { createChannelRegistry } from '../channels/registry.js';
import type { TemplateRef } from '../campaigns/kinds/common.js';
import { getCampaign, UnknownCampaignError } from '../db/campaigns.js';
import { latestCheckoutOf } from '../db/checkouts.js';
import { findContact } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import {
  claimMessage,
  findRecipient,
  markMessageFailed,
  markMessageSent,
  TEST_SEND_KEY_PREFIX,
} from '../db/messages.js';
import type { ContactRow } from '../db/schema.js';
import {
  CHECKOUT_EVENTS,
  checkoutEventProperties,
  checkoutTemplateVariable,
} from '../domain/checkouts.js';
import type { UtmParams } from '../domain/messages/utm.js';
import { SAMPLE_COUPON_CODE } from '../domain/messages/variables.js';

export type PreviewConfig = Pick<
  Config,
  'email' | 'sms' | 'publicUrl' | 'signingSecret' | 'shop' | 'unsubscribeLinkDays'
>;

export type PreviewChannel = 'email' | 'sms';

/** What a preview needs: rendering only, so no provider settings (nothing is sent). */
export type PreviewRenderConfig = Pick<
  Config,
  'email' | 'publicUrl' | 'signingSecret' | 'shop' | 'unsubscribeLinkDays'
>;

/** What a journey would send, rendered; `to` is the contact's address on the channel, if any. */
export interface Preview {
  channel: PreviewChannel;
  /** The template's name, or "inline" for one written in the campaign. */
  template: string;
  /** Where it comes from: `emails.offer` of a campaign, or the built-in template's name. */
  source: string;
  contactId: number;
  to: string | null;
  subject: string | null;
  html: string | null;
  text: string;
  headers: Record<string, string>;
  /** The sample coupon the preview shows (SAMPLE_COUPON_CODE); no code is assigned. */
  sampleCoupon: { code: string; expires_at: string };
  /** The coupon set a journey would draw this message's coupon from, for a campaign's message. */
  couponSet?: string;
  /** A checkout flow's message shows the contact's latest checkout: its id. */
  sampleCheckout?: string;
}

export class PreviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreviewError';
  }
}

/** A campaign's messages: its `emails.<name>` and `sms.<name>`, as the journey's send steps use them. */
export interface CampaignMessage {
  channel: PreviewChannel;
  /** `offer` of `emails.offer`. */
  name: string;
  /** The send node that sends it (`send_offer`; `send_reminder_sms` for `sms.reminder`). */
  node: string;
  ref: TemplateRef;
  /** The coupon set its coupon comes from, where it is not the campaign's own. */
  couponSet?: string;
}

interface FlowSendNode {
  type: 'send';
  channel: string;
  template: TemplateRef;
  coupon?: string;
  variants?: { name: string; template: TemplateRef }[];
}

/**
 * A flow's messages: each send node's template (the node's id), and each of its variants as
 * `<node>.<variant>`, in the order of their ids; the coupon from the set of the coupon node the
 * send names.
 */
function flowMessages(nodes: Record<string, { type: string; couponSet?: string }>) {
  // By id: a stored definition's nodes come back in Postgres's jsonb key order, not the file's.
  const ids = Object.keys(nodes).sort();
  return ids.flatMap((id) => {
    const raw = nodes[id]!;
    if (raw.type !== 'send') return [];
    const node = raw as unknown as FlowSendNode;
    if (node.channel !== 'email' && node.channel !== 'sms') return [];
    const channel: PreviewChannel = node.channel;
    const couponSet = node.coupon === undefined ? undefined : nodes[node.coupon]?.couponSet;
    const message = (name: string, ref: TemplateRef): CampaignMessage => ({
      channel,
      name,
      node: name,
      ref,
      ...(couponSet ? { couponSet } : {}),
    });
    return [
      message(id, node.template),
      ...(node.variants ?? []).map((v) => message(`${id}.${v.name}`, v.template)),
    ];
  });
}

export function campaignMessages(definition: Record<string, unknown>): CampaignMessage[] {
  if (definition.kind === 'flow')
    return flowMessages(
      (definition.nodes ?? {}) as Record<string, { type: string; couponSet?: string }>,
    );
  const group = (field: 'emails' | 'sms', channel: PreviewChannel) =>
    Object.entries((definition[field] ?? {}) as Record<string, TemplateRef>).map(([name, ref]) => ({
      channel,
      name,
      node: channel === 'email' ? `send_${name}` : `send_${name}_sms`,
      ref,
    }));
  return [...group('emails', 'email'), ...group('sms', 'sms')];
}

/** The campaign's message a `--node` names: `send_offer`, `offer` or `emails.offer`. */
function pick(messages: CampaignMessage[], node: string): CampaignMessage[] {
  const found = messages.filter(
    (m) =>
      m.node === node ||
      m.name === node ||
      `${m.channel === 'email' ? 'emails' : 'sms'}.${m.name}` === node,
  );
  if (found.length === 0)
    throw new PreviewError(
      `the campaign has no send node ${JSON.stringify(node)}; its send nodes: ${messages.map((m) => m.node).join(', ')}`,
    );
  return found;
}

function sampleCoupon(now: Date) {
  return {
    code: SAMPLE_COUPON_CODE,
    expires_at: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
  };
}

/** The channels through the configured providers; `renderOnly`: through the outbox, which a render never reaches. */
function adapters(config: PreviewConfig | PreviewRenderConfig, db: Db, renderOnly = false) {
  const providers =
    renderOnly || !('sms' in config)
      ? { email: createOutboxEmailProvider(db), sms: createOutboxSmsProvider(db) }
      : createChannels(config, db);
  return createChannelRegistry({ providers, config: { email: { from: config.email.from } } });
}

async function contactOf(db: Db, contactId: number): Promise<ContactRow> {
  const contact = await findRecipient(db, contactId);
  if (!contact) throw new PreviewError(`no contact with id ${contactId}`);
  return contact;
}

function adapterOf(
  config: PreviewConfig | PreviewRenderConfig,
  db: Db,
  channel: PreviewChannel,
  renderOnly = false,
): ChannelAdapter {
  const adapter = adapters(config, db, renderOnly).get(channel);
  if (!adapter) throw new PreviewError(`no channel named ${channel}`);
  return adapter;
}

function addressOf(adapter: ChannelAdapter, contact: ContactRow): string | null {
  const reach = adapter.reach(contact);
  return reach.refused ? null : reach.to;
}

export interface PreviewRequest {
  contactId: number;
  /** A built-in template by name; or, with `campaignId`, leave it out and name a `node`. */
  template?: string | undefined;
  campaignId?: string | undefined;
  node?: string | undefined;
  channel?: PreviewChannel | undefined;
}

/** Renders a template for a contact as a journey would; stores nothing, assigns nothing. */
export async function previewTemplate(
  deps: { db: Db; config: PreviewRenderConfig; now?: Date },
  request: PreviewRequest,
): Promise<Preview> {
  const now = deps.now ?? new Date();
  const contact = await contactOf(deps.db, request.contactId);
  let channel: PreviewChannel = request.channel ?? 'email';
  let ref: TemplateRef;
  let source: string;
  let utm: { source: string; medium: string; campaign: string } | undefined;
  let couponSet: string | undefined;
  let checkout: Record<string, unknown> | undefined;
  if (request.campaignId) {
    const { definition } = await getCampaign(deps.db, request.campaignId);
    const messages = campaignMessages(definition as unknown as Record<string, unknown>);
    const wanted = request.node ?? request.template;
    if (!wanted)
      throw new PreviewError(
        `name the send node to preview: --node ${messages.map((m) => m.node).join('|')}`,
      );
    const found = pick(messages, wanted).filter(
      (m) => !request.channel || m.channel === request.channel,
    );
    if (found.length === 0)
      throw new PreviewError(`send node ${JSON.stringify(wanted)} has no ${request.channel}`);
    const message = found[0]!;
    channel = message.channel;
    ref = message.ref;
    source = `${request.campaignId} ${message.node}`;
    utm = {
      source: definition.utm.source,
      medium: channel === 'sms' ? 'sms' : definition.utm.medium,
      campaign: definition.utm.campaign ?? definition.id,
    };
    couponSet = message.couponSet ?? definition.couponSet;
    if (entersOnCheckout(definition as unknown as Record<string, unknown>))
      checkout = await sampleCheckout(deps.db, contact.id, utm);
  } else {
    if (!request.template) throw new PreviewError('name a template, or a campaign and its node');
    ref = request.template;
    source = request.template;
  }
  const adapter = adapterOf(deps.config, deps.db, channel, true);
  const coupon = sampleCoupon(now);
  const rendered = await render(adapter, ref, contact, deps.config, coupon, utm, now, checkout);
  return {
    channel,
    template: rendered.template,
    source,
    contactId: contact.id,
    to: addressOf(adapter, contact),
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    headers: rendered.headers,
    sampleCoupon: coupon,
    ...(couponSet ? { couponSet } : {}),
    ...(checkout ? { sampleCheckout: String(checkout.id) } : {}),
  };
}

/** A flow entered on a started checkout (its messages show the checkout). */
function entersOnCheckout(definition: Record<string, unknown>): boolean {
  if (definition.kind !== 'flow') return false;
  return Object.values((definition.nodes ?? {}) as Record<string, Record<string, unknown>>).some(
    (node) => node.type === 'entry' && node.event === CHECKOUT_EVENTS.started,
  );
}

/** The contact's latest checkout as a journey's `checkout` variable shows it, if it has one. */
async function sampleCheckout(
  db: Db,
  contactId: number,
  utm: UtmParams,
): Promise<Record<string, unknown> | undefined> {
  const latest = await latestCheckoutOf(db, contactId);
  return latest && checkoutTemplateVariable(checkoutEventProperties(latest), utm);
}

async function render(
  adapter: ChannelAdapter,
  template: TemplateRef,
  contact: ContactRow,
  config: PreviewRenderConfig,
  coupon: { code: string; expires_at: string },
  utm: { source: string; medium: string; campaign: string } | undefined,
  now: Date,
  checkout?: Record<string, unknown>,
): Promise<RenderedMessage> {
  try {
    return await renderMessage(
      adapter,
      { template, variables: { coupon, ...(checkout ? { checkout } : {}) }, utm },
      contact,
      config,
      now,
    );
  } catch (error) {
    // The send path's failures are Temporal ApplicationFailures; here they are the user's answer.
    throw new PreviewError(error instanceof Error ? error.message : String(error));
  }
}

/** Each send node of a campaign rendered for a contact (the dashboard's previews), or why it does not render. */
export async function previewCampaign(
  deps: { db: Db; config: PreviewRenderConfig; now?: Date },
  request: { campaignId: string; contactId: number },
): Promise<
  { node: string; channel: PreviewChannel; preview: Preview | null; error: string | null }[]
> {
  const { definition } = await getCampaign(deps.db, request.campaignId).catch((error: unknown) => {
    throw error instanceof UnknownCampaignError ? new PreviewError(error.message) : error;
  });
  await contactOf(deps.db, request.contactId);
  const out = [];
  for (const m of campaignMessages(definition as unknown as Record<string, unknown>)) {
    try {
      const preview = await previewTemplate(deps, {
        contactId: request.contactId,
        campaignId: request.campaignId,
        node: m.node,
        channel: m.channel,
      });
      out.push({ node: m.node, channel: m.channel, preview, error: null });
    } catch (error) {
      if (!(error instanceof PreviewError)) throw error;
      out.push({ node: m.node, channel: m.channel, preview: null, error: error.message });
    }
  }
  return out;
}

export interface TestSendRequest {
  campaignId: string;
  to: string;
  /** Only this send node's email (`send_offer`, `offer` or `emails.offer`; a flow's node id). */
  node?: string | undefined;
  /** Whose variables the emails show; default: the contact whose email is `to`. */
  contactId?: number | undefined;
}

export interface TestSendResult {
  node: string;
  template: string;
  to: string;
  subject: string | null;
  messageId: number;
  provider: string;
  providerMessageId: string | null;
  status: 'sent' | 'failed';
  error: string | null;
}

export const TEST_SUBJECT_PREFIX = '[TEST] ';

/**
 * Sends each email of the campaign (or one node's) to `to`, rendered for a contact, through the
 * configured email provider. Each is claimed and delivered inside one transaction, so the worker's
 * email sender, which batches queued emails, never sees it half-sent and cannot send it twice.
 */
export async function testSendCampaign(
  deps: { db: Db; config: PreviewConfig; now?: () => Date },
  request: TestSendRequest,
): Promise<TestSendResult[]> {
  const now = deps.now ?? (() => new Date());
  const to = request.to.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to))
    throw new PreviewError(`--to must be an email address (got ${JSON.stringify(request.to)})`);
  const { definition } = await getCampaign(deps.db, request.campaignId);
  let messages = campaignMessages(definition as unknown as Record<string, unknown>).filter(
    (m) => m.channel === 'email',
  );
  if (request.node) messages = pick(messages, request.node);
  if (messages.length === 0) throw new PreviewError('the campaign sends no email');
  const contactId = request.contactId ?? (await contactIdByEmail(deps.db, to));
  const contact = await contactOf(deps.db, contactId);
  const utm = {
    source: definition.utm.source,
    medium: definition.utm.medium,
    campaign: definition.utm.campaign ?? definition.id,
  };
  const checkout = entersOnCheckout(definition as unknown as Record<string, unknown>)
    ? await sampleCheckout(deps.db, contact.id, utm)
    : undefined;
  const results: TestSendResult[] = [];
  for (const message of messages) {
    const rendered = await render(
      adapterOf(deps.config, deps.db, 'email'),
      message.ref,
      contact,
      deps.config,
      sampleCoupon(now()),
      utm,
      now(),
      checkout,
    );
    results.push(
      await deps.db.transaction().execute(async (trx) => {
        // The outbox provider finds the row by its key: it must read through this transaction.
        const adapter = adapterOf(deps.config, trx, 'email');
        const row = await claimMessage(trx, {
          idempotency_key: `${TEST_SEND_KEY_PREFIX}${definition.id}/${message.node}/${randomUUID()}`,
          channel: 'email',
          provider: adapter.provider,
          status: 'sending',
          contact_id: contact.id,
          campaign_id: definition.id,
          workflow_id: null,
          template: rendered.template,
          to_address: to,
          subject: rendered.subject === null ? null : `${TEST_SUBJECT_PREFIX}${rendered.subject}`,
          html: rendered.html,
          text: rendered.text,
          headers: JSON.stringify({ ...rendered.headers, 'X-Boomerang-Test': 'true' }),
          created_at: now(),
        });
        if (!row) throw new Error('a fresh test-send key was taken');
        const result = {
          node: message.node,
          template: rendered.template,
          to,
          subject: row.subject,
          messageId: row.id,
          provider: row.provider,
        };
        try {
          const delivery = await adapter.deliver(row);
          if (delivery.status !== 'handed_over')
            throw new Error(`the email adapter answered ${delivery.status}`);
          await markMessageSent(trx, row.id, delivery.providerMessageId, now());
          return {
            ...result,
            providerMessageId: delivery.providerMessageId,
            status: 'sent' as const,
            error: null,
          };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          await markMessageFailed(trx, row.id, reason);
          return { ...result, providerMessageId: null, status: 'failed' as const, error: reason };
        }
      }),
    );
  }
  return results;
}

async function contactIdByEmail(db: Db, email: string): Promise<number> {
  const contact = await findContact(db, email);
  if (!contact)
    throw new PreviewError(
      `no contact has the email ${JSON.stringify(email)}: pass --contact ID to render the emails with a contact's variables`,
    );
  return contact.id;
}
