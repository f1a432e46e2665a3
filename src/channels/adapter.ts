/**
 * A channel behind one interface. The send path (send.ts) does what every channel shares: the
 * earlier attempt's outcome, consent, rendering, UTM tags, the frequency cap and the claim of a
 * `messages` row under the step's idempotency key. The adapter brings what differs: whom a contact
 * is reached at, its templates, how a message renders, and how a claimed message is delivered.
 */
import type { MessageOutcome } from '../db/messages.js';
import type { ContactRow, MessageRow } from '../db/schema.js';
import type { Reach } from '../domain/messages/consent.js';
import type { RenderLocale } from './templates.js';

/** What a rendered message is before the send path adds UTM tags and claims it. */
export interface Draft {
  subject: string | null;
  /** Gets UTM tags on its links, as `text` does. */
  html: string | null;
  text: string;
  headers: Record<string, string>;
}

export interface RenderRequest {
  variables: Record<string, unknown>;
  locale: RenderLocale;
  /** Present when a signing secret is configured (always, when the adapter requires it). */
  unsubscribeUrl: string | undefined;
}

/**
 * What became of a claimed message:
 * - `handed_over`: the provider took it now; the send path marks it sent;
 * - `settled`: something else settled the row (the email sender's batch): the send path reports it;
 * - `waiting`: still queued after this attempt's wait; the activity is retried at once.
 * A provider that refuses the message throws an ApplicationFailure (provider-errors.ts):
 * non-retryable fails the message for good, retryable keeps it 'sending' for the next attempt.
 */
export type Delivery =
  | { status: 'handed_over'; providerMessageId: string }
  | { status: 'settled'; outcome: MessageOutcome }
  | { status: 'waiting' };

export interface ChannelAdapter<Template = unknown> {
  /** The channel's name: `messages.channel`, and what the send steps name. */
  readonly channel: string;
  /** The provider behind it, recorded in `messages.provider`. */
  readonly provider: string;
  /** The contact's address on this channel, or why a marketing message may not go there. */
  reach(contact: ContactRow): Reach;
  /** Templates a step may name instead of writing one inline. */
  readonly templates: Readonly<Record<string, Template>>;
  /** Why an inline template is not one of this channel's, or undefined when it is. */
  inlineProblem(template: unknown): string | undefined;
  /** Marketing messages of this channel must carry an unsubscribe link (so a signing secret). */
  readonly requiresUnsubscribeLink: boolean;
  /** Renders; throws TemplateRenderError (templates.ts) when the template does not render. */
  render(template: Template, request: RenderRequest): Promise<Draft>;
  /** Delivers a claimed message under its idempotency key (`message.idempotency_key`). */
  deliver(message: MessageRow): Promise<Delivery>;
}
