/**
 * Rendering a message for its contact: the template (named or inline) of the adapter's channel,
 * the variables (contact, shop, unsubscribe link), the contact's locale, and UTM tags on links.
 */
import type { Config } from '../../config.js';
import type { ContactRow } from '../../db/schema.js';
import { checkoutInLocale } from '../../domain/checkouts.js';
import { createUnsubscribeToken, unsubscribeUrl } from '../../domain/messages/unsubscribe-token.js';
import { addUtmToHtml, addUtmToText, type UtmParams } from '../../domain/messages/utm.js';
import { renderLocaleOf, templateVariables } from '../../domain/messages/variables.js';
import type { ChannelAdapter, Draft } from '../adapter.js';
import { MESSAGING_FAILURE, nonRetryable } from '../failures.js';
import { TemplateRenderError } from '../templates.js';

export type RenderConfig = Pick<Config, 'email' | 'publicUrl' | 'signingSecret' | 'shop'> &
  Partial<Pick<Config, 'unsubscribeLinkDays'>>;

export interface MessageToRender {
  /** A template of the channel by name, or written inline. */
  template: unknown;
  variables?: Record<string, unknown> | undefined;
  utm?: UtmParams | undefined;
}

/** A message ready to claim: its template's name ("inline" when written in the step). */
export interface RenderedMessage extends Draft {
  template: string;
}

function resolveTemplate(
  adapter: ChannelAdapter,
  ref: unknown,
): { name: string; template: unknown } {
  if (typeof ref === 'string') {
    const template = Object.hasOwn(adapter.templates, ref) ? adapter.templates[ref] : undefined;
    if (!template) {
      throw nonRetryable(
        `no ${adapter.channel} template named ${JSON.stringify(ref)}; known: ${Object.keys(adapter.templates).join(', ')}`,
        MESSAGING_FAILURE.unknownTemplate,
      );
    }
    return { name: ref, template };
  }
  const problem = adapter.inlineProblem(ref);
  if (problem) throw nonRetryable(problem, MESSAGING_FAILURE.invalidInput);
  return { name: 'inline', template: ref };
}

function unsubscribeLink(
  config: RenderConfig,
  contactId: number,
  required: boolean,
  now: Date,
): string | undefined {
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
      now,
      expiresInSeconds: (config.unsubscribeLinkDays ?? 365) * 86_400,
    }),
  );
}

export async function renderMessage(
  adapter: ChannelAdapter,
  message: MessageToRender,
  contact: ContactRow,
  config: RenderConfig,
  now: Date,
): Promise<RenderedMessage> {
  try {
    const { name, template } = resolveTemplate(adapter, message.template);
    const unsubscribe = unsubscribeLink(config, contact.id, adapter.requiresUnsubscribeLink, now);
    const locale = renderLocaleOf(contact, config.shop.timezone);
    const given = message.variables;
    const draft = await adapter.render(template, {
      variables: templateVariables(
        given?.checkout
          ? { ...given, checkout: checkoutInLocale(given.checkout, locale.locale) }
          : given,
        contact,
        { ...config.shop, from: config.email.from },
        unsubscribe,
      ),
      locale,
      unsubscribeUrl: unsubscribe,
    });
    const utm = message.utm;
    return {
      ...draft,
      html: utm && draft.html !== null ? addUtmToHtml(draft.html, utm) : draft.html,
      text: utm ? addUtmToText(draft.text, utm) : draft.text,
      template: name,
    };
  } catch (error) {
    if (error instanceof TemplateRenderError)
      throw nonRetryable(
        `the ${adapter.channel} template does not render: ${error.message}`,
        MESSAGING_FAILURE.templateError,
      );
    throw error;
  }
}
