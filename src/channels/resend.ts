/**
 * Email through Resend (the `resend` package). The step's idempotency key goes in Resend's
 * `idempotencyKey` request option (the Idempotency-Key header), so a retried activity does not send
 * twice; List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click) travel as headers; html and
 * text parts both go.
 *
 * Batches go to `POST /emails/batch` (up to 100 emails) with permissive validation, so an invalid
 * email comes back in `errors` (by index) and the others are sent.
 */
import { Resend } from 'resend';
import { failureForStatus, PROVIDER_FAILURE, retryableFailure } from './provider-errors.js';
import type {
  BatchItemResult,
  EmailMessage,
  EmailProvider,
  SendOptions,
  SendResult,
} from './types.js';

/** The fields of a message Resend takes (payloadOf copies no others). */
type ResendEmailPayload = Pick<
  EmailMessage,
  'from' | 'to' | 'subject' | 'html' | 'text' | 'headers'
>;

type ResendError = { message: string; statusCode: number | null; name: string };

/** The part of the Resend client this provider uses (a seam for tests that cannot reach a server). */
export interface ResendEmailsClient {
  emails: {
    send(
      payload: ResendEmailPayload,
      options: { idempotencyKey: string },
    ): Promise<{
      data: { id: string } | null;
      error: ResendError | null;
      headers?: Record<string, string> | null;
    }>;
  };
  batch?: {
    send(
      payload: ResendEmailPayload[],
      options: {
        idempotencyKey: string;
        batchValidation: 'permissive';
        signal?: AbortSignal;
      },
    ): Promise<{
      data: { data: { id: string }[]; errors?: { index: number; message: string }[] } | null;
      error: ResendError | null;
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
  /** Give up on a batch request after this long (it is then retried, same key). Default 20 s. */
  batchTimeoutMs?: number;
}

/** "invalid_from_address" → "invalid from address" */
function humanize(name: string): string {
  return name.replace(/_/g, ' ');
}

/** Resend resets its rate-limit window after `ratelimit-reset` seconds; used when no retry-after. */
function retryAfterOf(headers: Record<string, string> | null | undefined): string | undefined {
  return headers?.['retry-after'] ?? headers?.['ratelimit-reset'];
}

function failureOf(error: ResendError, headers: Record<string, string> | null | undefined) {
  const { statusCode, name, message: said } = error;
  const detail = said && said !== humanize(name) ? `${humanize(name)}: ${said}` : humanize(name);
  // The client reports network failures (and timeouts) with no status code.
  if (statusCode === null || statusCode === undefined) {
    return retryableFailure(`Resend could not be reached: ${said}`, PROVIDER_FAILURE.unavailable);
  }
  // Another attempt with the same key is still in flight at Resend: try again later.
  if (statusCode === 409 && name === 'concurrent_idempotent_requests') {
    return retryableFailure(
      `Resend is still processing this request: ${said}`,
      PROVIDER_FAILURE.unavailable,
    );
  }
  return failureForStatus('Resend', statusCode, detail, retryAfterOf(headers));
}

function payloadOf(message: EmailMessage): ResendEmailPayload {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
    headers: message.headers,
  };
}

export function createResendEmailProvider(options: ResendProviderOptions): EmailProvider {
  const client: ResendEmailsClient =
    options.client ??
    (new Resend(
      options.apiKey,
      options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : undefined,
    ) as unknown as ResendEmailsClient);
  const batchTimeoutMs = options.batchTimeoutMs ?? 20_000;
  return {
    name: 'resend',
    async send(message: EmailMessage, { idempotencyKey }: SendOptions): Promise<SendResult> {
      const response = await client.emails.send(payloadOf(message), { idempotencyKey });
      if (response.error) throw failureOf(response.error, response.headers);
      if (!response.data?.id)
        throw retryableFailure(
          'Resend accepted the message but returned no id',
          PROVIDER_FAILURE.unavailable,
        );
      return { providerMessageId: response.data.id };
    },
    async sendBatch(
      messages: EmailMessage[],
      { idempotencyKey }: SendOptions,
    ): Promise<BatchItemResult[]> {
      if (!client.batch) throw new Error('this Resend client has no batch endpoint');
      const response = await client.batch.send(messages.map(payloadOf), {
        idempotencyKey,
        batchValidation: 'permissive',
        signal: AbortSignal.timeout(batchTimeoutMs),
      });
      if (response.error) throw failureOf(response.error, response.headers);
      const accepted = response.data?.data ?? [];
      const refused = new Map((response.data?.errors ?? []).map((e) => [e.index, e.message]));
      if (accepted.length + refused.size !== messages.length)
        throw retryableFailure(
          `Resend answered a batch of ${messages.length} with ${accepted.length} ids and ${refused.size} errors`,
          PROVIDER_FAILURE.unavailable,
        );
      // `data` lists the accepted emails in request order, leaving out the refused ones.
      let next = 0;
      return messages.map((_, index): BatchItemResult => {
        const reason = refused.get(index);
        if (reason !== undefined)
          return { ok: false, reason: `Resend rejected the message: ${reason}` };
        return { ok: true, providerMessageId: accepted[next++]!.id };
      });
    },
  };
}
