/**
 * Email through Resend (the `resend` package). The step's idempotency key goes in Resend's
 * `idempotencyKey` request option (the Idempotency-Key header), so a retried activity does not send
 * twice; List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) travel as headers; html and
 * text parts both go.
 */
import { Resend } from 'resend';
import { failureForStatus, PROVIDER_FAILURE, retryableFailure } from './provider-errors.js';
import type { EmailMessage, EmailProvider, SendOptions, SendResult } from './types.js';

/** The part of the Resend client this provider uses (a seam for tests that cannot reach a server). */
export interface ResendEmailsClient {
  emails: {
    send(
      payload: {
        from: string;
        to: string;
        subject: string;
        html: string;
        text: string;
        headers: Record<string, string>;
      },
      options: { idempotencyKey: string },
    ): Promise<{
      data: { id: string } | null;
      error: { message: string; statusCode: number | null; name: string } | null;
      headers?: Record<string, string> | null;
    }>;
  };
}

export interface ResendProviderOptions {
  apiKey: string;
  /** Default https://api.resend.com (or RESEND_BASE_URL); tests point it at a local fake. */
  baseUrl?: string | undefined;
  /** Use this client instead of building one. */
  client?: ResendEmailsClient;
}

/** "invalid_from_address" → "invalid from address" */
function humanize(name: string): string {
  return name.replace(/_/g, ' ');
}

export function createResendEmailProvider(options: ResendProviderOptions): EmailProvider {
  const client: ResendEmailsClient =
    options.client ??
    (new Resend(
      options.apiKey,
      options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : undefined,
    ) as unknown as ResendEmailsClient);
  return {
    name: 'resend',
    async send(message: EmailMessage, { idempotencyKey }: SendOptions): Promise<SendResult> {
      const response = await client.emails.send(
        {
          from: message.from,
          to: message.to,
          subject: message.subject,
          html: message.html,
          text: message.text,
          headers: message.headers,
        },
        { idempotencyKey },
      );
      if (response.error) {
        const { statusCode, name, message: said } = response.error;
        const detail =
          said && said !== humanize(name) ? `${humanize(name)}: ${said}` : humanize(name);
        // The client reports network failures with no status code.
        if (statusCode === null || statusCode === undefined) {
          throw retryableFailure(
            `Resend could not be reached: ${said}`,
            PROVIDER_FAILURE.unavailable,
          );
        }
        // Another attempt with the same key is still in flight at Resend: try again later.
        if (statusCode === 409 && name === 'concurrent_idempotent_requests') {
          throw retryableFailure(
            `Resend is still processing this message: ${said}`,
            PROVIDER_FAILURE.unavailable,
          );
        }
        throw failureForStatus('Resend', statusCode, detail, response.headers?.['retry-after']);
      }
      if (!response.data?.id)
        throw retryableFailure(
          'Resend accepted the message but returned no id',
          PROVIDER_FAILURE.unavailable,
        );
      return { providerMessageId: response.data.id };
    },
  };
}
