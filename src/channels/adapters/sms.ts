/**
 * SMS: to a consenting contact's E.164 number, through the configured provider (Twilio or the
 * outbox), each request in a slot of the shared SMS request rate when one is set.
 */
import { smsReach } from '../../domain/messages/consent.js';
import type { ChannelAdapter, Delivery } from '../adapter.js';
import { DEFAULT_SMS_TEMPLATES } from '../default-templates.js';
import type { RequestRate } from '../rate-limit.js';
import { isSmsTemplate, renderSmsTemplate, type SmsTemplate } from '../templates.js';
import type { SmsProvider } from '../types.js';

export interface SmsChannelOptions {
  provider: SmsProvider;
  /** The provider's request rate, shared by every worker. */
  rate?: RequestRate | undefined;
  /** Named templates besides (and over) the defaults. */
  templates?: Record<string, SmsTemplate> | undefined;
}

export function createSmsChannel(options: SmsChannelOptions): ChannelAdapter<SmsTemplate> {
  const { provider, rate } = options;
  return {
    channel: 'sms',
    provider: provider.name,
    reach: smsReach,
    templates: { ...DEFAULT_SMS_TEMPLATES, ...options.templates },
    inlineProblem: (template) =>
      typeof template === 'object' && template !== null && isSmsTemplate(template as SmsTemplate)
        ? undefined
        : 'an inline SMS template needs a { body }',
    requiresUnsubscribeLink: false,
    async render(template, { variables, locale }) {
      const { body } = await renderSmsTemplate(template, variables, locale);
      return { subject: null, html: null, text: body, headers: {} };
    },
    async deliver(message): Promise<Delivery> {
      await rate?.take();
      let providerMessageId: string;
      try {
        ({ providerMessageId } = await provider.send(
          { to: message.to_address, body: message.text },
          { idempotencyKey: message.idempotency_key },
        ));
      } catch (error) {
        await rate?.settled(error);
        throw error;
      }
      await rate?.settled();
      return { status: 'handed_over', providerMessageId };
    },
  };
}
