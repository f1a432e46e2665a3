/**
 * Email: to a subscribed contact's address, through the configured provider (Resend or the outbox).
 * With a batching provider the claimed email waits in the queue instead: the email sender
 * (email-sender.ts) sends it with others at the provider's shared request rate, and delivery waits
 * for its row's outcome.
 */
import { emailReach } from '../../domain/messages/consent.js';
import type { ChannelAdapter, Delivery } from '../adapter.js';
import { DEFAULT_EMAIL_TEMPLATES } from '../default-templates.js';
import { emailOf } from '../email-sender.js';
import type { EmailQueue } from '../sending.js';
import { type EmailTemplate, isSmsTemplate, renderEmailTemplate } from '../templates.js';
import type { EmailProvider } from '../types.js';

export interface EmailChannelOptions {
  provider: EmailProvider;
  /** The From of every email. */
  from: string;
  /** When set, emails go through the email sender's batches. */
  queue?: EmailQueue | undefined;
  /** Named templates besides (and over) the defaults. */
  templates?: Record<string, EmailTemplate> | undefined;
}

export function createEmailChannel(options: EmailChannelOptions): ChannelAdapter<EmailTemplate> {
  const { provider, from, queue } = options;
  return {
    channel: 'email',
    provider: provider.name,
    reach: emailReach,
    templates: { ...DEFAULT_EMAIL_TEMPLATES, ...options.templates },
    inlineProblem: (template) =>
      typeof template === 'object' &&
      template !== null &&
      !isSmsTemplate(template as EmailTemplate) &&
      typeof (template as EmailTemplate).html === 'string'
        ? undefined
        : 'an inline email template needs { subject, html, text? }',
    requiresUnsubscribeLink: true,
    async render(template, { variables, locale, unsubscribeUrl }) {
      const rendered = await renderEmailTemplate(template, variables, locale);
      return {
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        // One-click unsubscribe (RFC 8058).
        headers: {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      };
    },
    async deliver(message): Promise<Delivery> {
      if (queue) {
        queue.wake();
        const outcome = await queue.waiter.wait(message.id, queue.waitMs ?? 20_000);
        return outcome ? { status: 'settled', outcome } : { status: 'waiting' };
      }
      const { providerMessageId } = await provider.send(emailOf(from, message), {
        idempotencyKey: message.idempotency_key,
      });
      return { status: 'handed_over', providerMessageId };
    },
  };
}
