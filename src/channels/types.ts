/**
 * Email and SMS providers behind one interface. A provider sends one rendered message under an
 * idempotency key (workflow id + step): sending twice with the same key sends once, as far as the
 * provider supports it.
 *
 * Errors: a provider throws an ApplicationFailure (from @temporalio/common). Retryable ones (rate
 * limits, provider outages, network errors) let Temporal retry the activity, possibly after the
 * provider's Retry-After; non-retryable ones (the provider refused the message) fail it for good.
 */

export interface SendOptions {
  /** The same key for every attempt at the same message. */
  idempotencyKey: string;
}

export interface SendResult {
  providerMessageId: string;
}

export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post (RFC 8058). */
  headers: Record<string, string>;
}

export interface SmsMessage {
  /** E.164 */
  to: string;
  body: string;
}

/** What the provider said about one email of a batch. */
export type BatchItemResult =
  { ok: true; providerMessageId: string } | { ok: false; reason: string };

export interface EmailProvider {
  /** Recorded in messages.provider. */
  readonly name: string;
  send(message: EmailMessage, options: SendOptions): Promise<SendResult>;
  /**
   * Providers with a batch endpoint: several emails in one request under one idempotency key, one
   * result per email, in order (a bad address fails its email, not the others). Throws as `send`
   * does when the request as a whole fails. Emails of such providers go out through the batcher.
   */
  sendBatch?(messages: EmailMessage[], options: SendOptions): Promise<BatchItemResult[]>;
}

export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage, options: SendOptions): Promise<SendResult>;
}

export interface Channels {
  email: EmailProvider;
  sms: SmsProvider;
}
