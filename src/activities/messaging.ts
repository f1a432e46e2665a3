/**
 * The "Send email" and "Send SMS" nodes: consent, the shop-wide frequency cap, rendering, and a
 * send that happens once however often the activity is retried.
 *
 * At send time, in this order:
 *  1. a previous attempt of the same step (idempotency key = workflow id + step) decides: a message
 *     already sent is reported again, a message half-sent is re-sent with its recorded content and
 *     the same provider idempotency key, a skip is reported again;
 *  2. the contact is loaded; consent is checked (email: newsletter_status 'subscribed'; SMS: an
 *     E.164 phone and SMS consent);
 *  3. the template is rendered (Liquid), links get UTM tags, the email gets its unsubscribe link and
 *     List-Unsubscribe headers (RFC 8058);
 *  4. under a lock on the contact, the frequency cap is checked and the message is claimed: a
 *     `messages` row with status 'sending' (insert … on conflict do nothing);
 *  5. the provider sends it with the same idempotency key; the row becomes 'sent' (or 'failed'
 *     when the provider refuses it for good). With a batching email provider the row waits in the
 *     queue instead: the email sender (channels/email-sender.ts) sends it with others, at the
 *     provider's shared request rate, and this activity waits for its row's outcome. SMS wait
 *     for a slot of the shared SMS request rate. Skipped sends never touch a rate limit.
 * Every send and skip is recorded in journey_events (key = step key + ':message').
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Channels, EmailMessage } from '../channels/types.js';
import { checkContactFrequencyCap } from '../channels/frequency-cap.js';
import { DEFAULT_EMAIL_TEMPLATES, DEFAULT_SMS_TEMPLATES } from '../channels/default-templates.js';
import {
  type EmailTemplate,
  isSmsTemplate,
  type MessageTemplate,
  renderEmailTemplate,
  renderSmsTemplate,
  type RenderLocale,
  type SmsTemplate,
  TemplateRenderError,
} from '../channels/templates.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Channel, ContactRow, MessageRow } from '../db/schema.js';
import { isValidTimeZone } from '../domain/contact-window.js';
import { createUnsubscribeToken, unsubscribeUrl } from '../domain/messages/unsubscribe-token.js';
import { addUtmToHtml, addUtmToText, type UtmParams } from '../domain/messages/utm.js';
import { recordJourneyEvent } from '../db/journeys.js';
import {
  claimMessage,
  findMessageByKey,
  findMessageEvent,
  findRecipient,
  markMessageFailed,
  markMessageSent,
  noteMessageError,
} from '../db/messages.js';
import type { EmailQueue } from '../channels/sending.js';
import { rejectedFailure, retryableFailure } from '../channels/provider-errors.js';
import type { RequestRate } from '../channels/rate-limit.js';
import { currentWorkflowId, stepKey } from './context.js';
import { type CarriesEnteredStep, recordStepEntered } from './journeys.js';

export type SkipReason =
  | 'holdout'
  | 'unsubscribed'
  | 'not_subscribed'
  | 'no_email'
  | 'no_phone'
  | 'no_sms_consent'
  | 'frequency_cap'
  | 'contact_not_found';

export type SendResult =
  { outcome: 'sent'; messageId: number } | { outcome: 'skipped'; reason: SkipReason };

/** A template by name (see default-templates.ts) or written inline. */
export type TemplateInput = string | MessageTemplate;

export interface SendMessageInput extends CarriesEnteredStep {
  /** The workflow step sending it; with the workflow id, the idempotency key of the send. */
  step: string;
  campaignId: string;
  contactId: number;
  template: TemplateInput;
  /** Template variables (JSON), e.g. { coupon: { code, expires_at } }. Contact, shop and unsubscribe_url are added. */
  variables?: Record<string, unknown>;
  /** Google Analytics tags for every http(s) link; none when absent. */
  utm?: UtmParams;
  category: 'marketing';
  /**
   * Control group: check everything a send would (contact, consent), then withhold the message
   * (skipped, reason "holdout"), so held-out and treated contacts take the same paths.
   */
  withhold?: boolean;
}

export type SendEmailInput = SendMessageInput;
export type SendSmsInput = SendMessageInput;

/** ApplicationFailure types these activities throw (besides the providers' own). */
export const MESSAGING_FAILURE = {
  missingSigningSecret: 'MissingSigningSecret',
  unknownTemplate: 'UnknownTemplate',
  templateError: 'TemplateError',
  invalidInput: 'InvalidMessageInput',
  /** A previous attempt of this step was refused by the provider for good. */
  previouslyFailed: 'MessagePreviouslyFailed',
  /** The email waits in the sender's queue longer than one attempt: the next attempt waits on. */
  stillQueued: 'MessageStillQueued',
} as const;

export interface MessagingDeps {
  db: Db;
  channels: Channels;
  config: Pick<Config, 'email' | 'publicUrl' | 'signingSecret' | 'frequencyCap' | 'shop'> &
    Partial<Pick<Config, 'unsubscribeLinkDays'>>;
  /** The clock (tests fix it). */
  now?: () => Date;
  /** Named templates besides (and over) the defaults. */
  templates?: { email?: Record<string, EmailTemplate>; sms?: Record<string, SmsTemplate> };
  /** When set, emails go through the email sender's batches (the worker sets it for Resend). */
  emailQueue?: EmailQueue;
  /** When set, each SMS waits for a slot of this shared request rate. */
  smsRate?: RequestRate;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** "Boomerang Shop <shop@example.com>" → "Boomerang Shop"; a bare address → its domain. */
export function senderName(from: string): string {
  const display = /^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/.exec(from)?.[1]?.trim();
  if (display) return display;
  return from.replace(/^.*@/, '').replace(/>.*$/, '').trim() || from;
}

function normaliseLocale(locale: string | null | undefined): string {
  const candidate = (locale ?? '').trim().replace(/_/g, '-');
  if (candidate) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(candidate);
      if (supported) return supported;
    } catch {
      // not a BCP 47 tag: fall through
    }
  }
  return 'en';
}

function nonRetryable(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

interface Prepared {
  to: string;
  subject: string | null;
  html: string | null;
  text: string;
  headers: Record<string, string>;
  template: string;
}

export function createMessagingActivities(deps: MessagingDeps) {
  const { db, channels, config } = deps;
  const now = deps.now ?? (() => new Date());
  const emailTemplates: Record<string, EmailTemplate> = {
    ...DEFAULT_EMAIL_TEMPLATES,
    ...deps.templates?.email,
  };
  const smsTemplates: Record<string, SmsTemplate> = {
    ...DEFAULT_SMS_TEMPLATES,
    ...deps.templates?.sms,
  };

  function checkInput(input: SendMessageInput): void {
    const problems: string[] = [];
    if (typeof input?.step !== 'string' || input.step === '')
      problems.push('step must be a non-empty string');
    if (typeof input?.campaignId !== 'string' || input.campaignId === '')
      problems.push('campaignId must be a non-empty string');
    if (!Number.isSafeInteger(input?.contactId) || input.contactId <= 0)
      problems.push('contactId must be a positive integer');
    if (input?.category !== 'marketing')
      problems.push(`category must be "marketing" (got ${JSON.stringify(input?.category)})`);
    if (input?.template === undefined || input.template === null)
      problems.push('template is missing');
    if (problems.length)
      throw nonRetryable(
        `invalid message input: ${problems.join('; ')}`,
        MESSAGING_FAILURE.invalidInput,
      );
  }

  function resolveTemplate<T extends MessageTemplate>(
    channel: Channel,
    ref: TemplateInput,
  ): { name: string; template: T } {
    if (typeof ref === 'string') {
      const registry: Record<string, MessageTemplate> =
        channel === 'email' ? emailTemplates : smsTemplates;
      const template = Object.hasOwn(registry, ref) ? registry[ref] : undefined;
      if (!template) {
        throw nonRetryable(
          `no ${channel} template named ${JSON.stringify(ref)}; known: ${Object.keys(registry).join(', ')}`,
          MESSAGING_FAILURE.unknownTemplate,
        );
      }
      return { name: ref, template: template as T };
    }
    if (
      channel === 'sms'
        ? !isSmsTemplate(ref)
        : isSmsTemplate(ref) || typeof (ref as EmailTemplate).html !== 'string'
    ) {
      throw nonRetryable(
        channel === 'sms'
          ? 'an inline SMS template needs a { body }'
          : 'an inline email template needs { subject, html, text? }',
        MESSAGING_FAILURE.invalidInput,
      );
    }
    return { name: 'inline', template: ref as T };
  }

  async function recordEvent(
    executor: Db,
    input: SendMessageInput,
    type: 'message_sent' | 'message_skipped' | 'message_failed',
    detail: Record<string, unknown>,
  ): Promise<void> {
    await recordJourneyEvent(executor, {
      key: `${stepKey(input.step)}:message`,
      workflowId: currentWorkflowId(),
      campaignId: input.campaignId,
      contactId: input.contactId,
      type,
      step: input.step,
      detail,
      at: now(),
    });
  }

  async function skip(
    executor: Db,
    channel: Channel,
    input: SendMessageInput,
    reason: SkipReason,
    extra: Record<string, unknown> = {},
  ): Promise<SendResult> {
    await recordEvent(executor, input, 'message_skipped', { channel, reason, ...extra });
    return { outcome: 'skipped', reason };
  }

  function consent(
    channel: Channel,
    contact: ContactRow,
  ): { reason: SkipReason; detail?: Record<string, unknown> } | undefined {
    if (channel === 'email') {
      if (!contact.email || !contact.email.includes('@')) return { reason: 'no_email' };
      if (contact.newsletter_status !== 'subscribed')
        return {
          reason: contact.newsletter_status === 'unsubscribed' ? 'unsubscribed' : 'not_subscribed',
          detail: { newsletterStatus: contact.newsletter_status },
        };
      return undefined;
    }
    if (!contact.phone || !E164.test(contact.phone)) return { reason: 'no_phone' };
    if (!contact.sms_consent) return { reason: 'no_sms_consent' };
    return undefined;
  }

  function unsubscribeLink(contactId: number, required: boolean): string | undefined {
    if (!config.signingSecret) {
      if (!required) return undefined;
      throw nonRetryable(
        'marketing emails need an unsubscribe link, which needs a signing secret: set BOOMERANG_SIGNING_SECRET (`npm start` generates one under .data/)',
        MESSAGING_FAILURE.missingSigningSecret,
      );
    }
    return unsubscribeUrl(
      config.publicUrl,
      createUnsubscribeToken(config.signingSecret, contactId, {
        now: now(),
        expiresInSeconds: (config.unsubscribeLinkDays ?? 365) * 86_400,
      }),
    );
  }

  function templateVariables(
    input: SendMessageInput,
    contact: ContactRow,
    unsubscribe: string | undefined,
  ): Record<string, unknown> {
    const given = input.variables ?? {};
    const givenShop =
      typeof given.shop === 'object' && given.shop !== null
        ? (given.shop as Record<string, unknown>)
        : {};
    const givenContact =
      typeof given.contact === 'object' && given.contact !== null
        ? (given.contact as Record<string, unknown>)
        : {};
    return {
      ...given,
      contact: {
        ...givenContact,
        id: contact.id,
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email,
        locale: contact.locale,
        timezone: contact.timezone,
        country: contact.country,
      },
      shop: {
        name: config.shop.name ?? senderName(config.email.from),
        ...(config.shop.url ? { url: config.shop.url } : {}),
        ...givenShop,
      },
      unsubscribe_url: unsubscribe,
    };
  }

  function renderLocale(contact: ContactRow): RenderLocale {
    const timeZone =
      contact.timezone && isValidTimeZone(contact.timezone)
        ? contact.timezone
        : config.shop.timezone;
    return { locale: normaliseLocale(contact.locale), timeZone };
  }

  async function prepare(
    channel: Channel,
    input: SendMessageInput,
    contact: ContactRow,
  ): Promise<Prepared> {
    try {
      if (channel === 'email') {
        const { name, template } = resolveTemplate<EmailTemplate>('email', input.template);
        const unsubscribe = unsubscribeLink(contact.id, true)!;
        const rendered = await renderEmailTemplate(
          template,
          templateVariables(input, contact, unsubscribe),
          renderLocale(contact),
        );
        const html = input.utm ? addUtmToHtml(rendered.html, input.utm) : rendered.html;
        const text = input.utm ? addUtmToText(rendered.text, input.utm) : rendered.text;
        return {
          to: contact.email!,
          subject: rendered.subject,
          html,
          text,
          headers: {
            'List-Unsubscribe': `<${unsubscribe}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
          template: name,
        };
      }
      const { name, template } = resolveTemplate<SmsTemplate>('sms', input.template);
      const rendered = await renderSmsTemplate(
        template,
        templateVariables(input, contact, unsubscribeLink(contact.id, false)),
        renderLocale(contact),
      );
      return {
        to: contact.phone!,
        subject: null,
        html: null,
        text: input.utm ? addUtmToText(rendered.body, input.utm) : rendered.body,
        headers: {},
        template: name,
      };
    } catch (error) {
      if (error instanceof TemplateRenderError)
        throw nonRetryable(
          `the ${channel} template does not render: ${error.message}`,
          MESSAGING_FAILURE.templateError,
        );
      throw error;
    }
  }

  async function recordSent(executor: Db, input: SendMessageInput, row: MessageRow) {
    await recordEvent(executor, input, 'message_sent', {
      channel: row.channel,
      messageId: row.id,
      provider: row.provider,
      template: row.template,
    });
  }

  async function recordFailed(
    executor: Db,
    input: SendMessageInput,
    row: MessageRow,
    error: string,
  ) {
    await recordEvent(executor, input, 'message_failed', {
      channel: row.channel,
      messageId: row.id,
      provider: row.provider,
      error,
    });
  }

  /** A queued email: waits for the email sender to settle it. */
  async function awaitQueued(
    queue: EmailQueue,
    input: SendMessageInput,
    row: MessageRow,
  ): Promise<SendResult> {
    queue.wake();
    const outcome = await queue.waiter.wait(row.id, queue.waitMs ?? 20_000);
    if (!outcome) {
      // Retried at once (not after the send retry policy's backoff): the email is only waiting its turn.
      throw retryableFailure(
        `email ${row.id} is still queued for the email sender${row.error ? ` (last attempt: ${row.error})` : ''}`,
        MESSAGING_FAILURE.stillQueued,
        1000,
      );
    }
    if (outcome.status === 'failed') {
      const reason = outcome.error ?? 'no details';
      await recordFailed(db, input, row, reason);
      throw rejectedFailure(reason, { messageId: row.id });
    }
    await recordSent(db, input, row);
    return { outcome: 'sent', messageId: row.id };
  }

  /** Hands a claimed message to the provider and records the outcome. */
  async function deliver(
    channel: Channel,
    input: SendMessageInput,
    row: MessageRow,
  ): Promise<SendResult> {
    if (channel === 'email' && deps.emailQueue) return awaitQueued(deps.emailQueue, input, row);
    const key = row.idempotency_key;
    let providerMessageId: string;
    try {
      if (channel === 'email') {
        const message: EmailMessage = {
          from: config.email.from,
          to: row.to_address,
          subject: row.subject ?? '',
          html: row.html ?? '',
          text: row.text,
          headers: row.headers,
        };
        ({ providerMessageId } = await channels.email.send(message, { idempotencyKey: key }));
      } else {
        await deps.smsRate?.take();
        try {
          ({ providerMessageId } = await channels.sms.send(
            { to: row.to_address, body: row.text },
            { idempotencyKey: key },
          ));
        } catch (error) {
          await deps.smsRate?.settled(error);
          throw error;
        }
        await deps.smsRate?.settled();
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ApplicationFailure && error.nonRetryable) {
        await db.transaction().execute(async (trx) => {
          await markMessageFailed(trx, row.id, message);
          await recordFailed(trx, input, row, message);
        });
      } else {
        // Still 'sending': the next attempt sends it again, under the same key.
        await noteMessageError(db, row.id, message);
      }
      throw error;
    }
    await db.transaction().execute(async (trx) => {
      await markMessageSent(trx, row.id, providerMessageId, now());
      await recordSent(trx, input, row);
    });
    return { outcome: 'sent', messageId: row.id };
  }

  /** Carries on from what a previous attempt of the same step left in `messages`. */
  async function resume(
    channel: Channel,
    input: SendMessageInput,
    row: MessageRow,
  ): Promise<SendResult> {
    if (row.channel !== channel) {
      throw nonRetryable(
        `step ${JSON.stringify(input.step)} already sent a ${row.channel} message; a step sends one message`,
        MESSAGING_FAILURE.invalidInput,
      );
    }
    switch (row.status) {
      case 'sent':
        await recordSent(db, input, row);
        return { outcome: 'sent', messageId: row.id };
      case 'failed':
        // The email sender may have failed it while no attempt was waiting: the event is recorded once.
        await recordFailed(db, input, row, row.error ?? 'no details');
        throw nonRetryable(
          `this message was refused earlier: ${row.error ?? 'no details'}`,
          MESSAGING_FAILURE.previouslyFailed,
        );
      case 'sending':
        return deliver(channel, input, row);
    }
  }

  async function send(channel: Channel, input: SendMessageInput): Promise<SendResult> {
    await recordStepEntered(db, input.entered);
    checkInput(input);
    const key = stepKey(input.step);
    const workflowId = currentWorkflowId();

    const existing = await findMessageByKey(db, key);
    if (existing) return resume(channel, input, existing);
    const earlier = await findMessageEvent(db, `${key}:message`);
    if (earlier?.type === 'message_skipped')
      return { outcome: 'skipped', reason: earlier.detail.reason as SkipReason };

    const contact = await findRecipient(db, input.contactId);
    if (!contact) return skip(db, channel, input, 'contact_not_found');
    const refused = consent(channel, contact);
    if (refused) return skip(db, channel, input, refused.reason, refused.detail);
    if (input.withhold) return skip(db, channel, input, 'holdout');

    const prepared = await prepare(channel, input, contact);
    const provider = channel === 'email' ? channels.email.name : channels.sms.name;

    // The cap check and the claim happen under a lock on the contact, so two steps sending to the
    // same contact at the same moment see each other's claim.
    const claimed = await db
      .transaction()
      .execute(async (trx) => {
        const locked = await findRecipient(trx, contact.id, { forUpdate: true });
        if (!locked) return { skipped: await skip(trx, channel, input, 'contact_not_found') };
        // Consent again, now that nothing can change it until the claim is made.
        const refusedNow = consent(channel, locked);
        if (refusedNow)
          return { skipped: await skip(trx, channel, input, refusedNow.reason, refusedNow.detail) };
        const at = now();
        const cap = await checkContactFrequencyCap(trx, config.frequencyCap, contact.id, at, {
          excludeKey: key,
        });
        if (!cap.allowed) {
          return {
            skipped: await skip(trx, channel, input, 'frequency_cap', {
              sentInPeriod: cap.sentInPeriod,
              nextAllowedAt: cap.nextAllowedAt?.toISOString(),
            }),
          };
        }
        const row = await claimMessage(trx, {
          idempotency_key: key,
          channel,
          provider,
          status: 'sending',
          contact_id: contact.id,
          campaign_id: input.campaignId,
          workflow_id: workflowId,
          template: prepared.template,
          to_address: prepared.to,
          subject: prepared.subject,
          html: prepared.html,
          text: prepared.text,
          headers: JSON.stringify(prepared.headers),
          created_at: at,
        });
        return { row };
      })
      .catch((error: unknown) => {
        if (
          (error as { code?: string })?.code === '23503' &&
          /campaign/.test((error as { constraint?: string }).constraint ?? '')
        ) {
          throw nonRetryable(
            `campaign ${JSON.stringify(input.campaignId)} does not exist`,
            MESSAGING_FAILURE.invalidInput,
          );
        }
        throw error;
      });

    if ('skipped' in claimed) return claimed.skipped!;
    if (claimed.row) return deliver(channel, input, claimed.row);
    // Another attempt of this step claimed it in the meantime: carry on from its row.
    const row = await findMessageByKey(db, key);
    if (!row) throw new Error(`message ${key} was claimed by another attempt and then vanished`);
    return resume(channel, input, row);
  }

  return {
    /** "Send email" (newsletter type): skipped unless the contact is subscribed. */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      return send('email', input);
    },
    /** "Send SMS": skipped without an E.164 phone number and SMS consent. */
    async sendSms(input: SendSmsInput): Promise<SendResult> {
      return send('sms', input);
    },
  };
}

export type MessagingActivities = ReturnType<typeof createMessagingActivities>;
