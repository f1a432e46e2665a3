/**
 * The "Send email" and "Send SMS" nodes, and `sendMessage` for any channel a registry knows:
 * consent, the shop-wide frequency cap, rendering, and a send that happens once however often the
 * activity is retried. The send path is channels/send.ts; each channel's delivery is its adapter
 * (channels/adapters/); this file turns a workflow step into a send.
 */
import type { Channels } from '../channels/types.js';
import type { ChannelAdapter } from '../channels/adapter.js';
import { MESSAGING_FAILURE, nonRetryable } from '../channels/failures.js';
import type { RenderConfig } from '../channels/prepare/render.js';
import { createChannelRegistry, type ChannelDeps } from '../channels/registry.js';
import { createSendPath } from '../channels/send.js';
import type { MessageTemplate } from '../channels/templates.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { SendPressure } from '../domain/messages/pressure.js';
import { type SendResult, sendInputProblems, type SkipReason } from '../domain/messages/sending.js';
import type { UtmParams } from '../domain/messages/utm.js';
import { currentWorkflowId, stepKey } from './context.js';
import { type CarriesEnteredStep, recordStepEntered } from './journeys.js';

export type { SendResult, SkipReason };
export { MESSAGING_FAILURE };

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
  /**
   * The campaign's quiet hours and frequency-cap policy. With it, a send due in quiet hours or over
   * the cap may answer "skipped" with `retryAt`, and the step sends again then.
   */
  pressure?: SendPressure;
}

export type SendEmailInput = SendMessageInput;
export type SendSmsInput = SendMessageInput;

/** A send on a channel named by the step: a built-in one ("email", "sms") or an added adapter's. */
export interface SendOnChannelInput extends Omit<SendMessageInput, 'template'> {
  channel: string;
  /** A template of that channel, by name or inline (in the shape its adapter takes). */
  template: TemplateInput | Record<string, unknown>;
}

export interface MessagingDeps extends Pick<ChannelDeps, 'emailQueue' | 'smsRate' | 'templates'> {
  db: Db;
  /** The email and SMS providers the configuration chooses (channels/index.ts). */
  channels: Channels;
  config: RenderConfig & Pick<Config, 'frequencyCap'> & Partial<Pick<Config, 'sendHours'>>;
  /** Channels besides the built-in ones (see channels/registry.ts). */
  extraChannels?: readonly ChannelAdapter[];
  /** The clock (tests fix it). */
  now?: () => Date;
}

export function createMessagingActivities(deps: MessagingDeps) {
  const { db } = deps;
  const send = createSendPath({
    db,
    channels: createChannelRegistry(
      { ...deps, providers: deps.channels, config: deps.config },
      deps.extraChannels,
    ),
    config: deps.config,
    now: deps.now ?? (() => new Date()),
  });

  async function sendOn(channel: string, input: SendMessageInput | SendOnChannelInput) {
    await recordStepEntered(db, input.entered);
    const problems = sendInputProblems(input);
    if (problems.length)
      throw nonRetryable(
        `invalid message input: ${problems.join('; ')}`,
        MESSAGING_FAILURE.invalidInput,
      );
    return send(channel, input, { workflowId: currentWorkflowId(), key: stepKey(input.step) });
  }

  return {
    /** "Send email" (newsletter type): skipped unless the contact is subscribed. */
    async sendEmail(input: SendEmailInput): Promise<SendResult> {
      return sendOn('email', input);
    },
    /** "Send SMS": skipped without an E.164 phone number and SMS consent. */
    async sendSms(input: SendSmsInput): Promise<SendResult> {
      return sendOn('sms', input);
    },
    /** A send on the channel the input names, through that channel's adapter. */
    async sendMessage(input: SendOnChannelInput): Promise<SendResult> {
      return sendOn(input.channel, input);
    },
  };
}

export type MessagingActivities = ReturnType<typeof createMessagingActivities>;
