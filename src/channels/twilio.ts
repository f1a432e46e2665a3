/**
 * SMS through Twilio's REST API (Programmable Messaging), with Node's fetch:
 * POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From (or
 * MessagingServiceSid when the sender is a messaging service, MG…) and Body, basic auth with the
 * account SID and auth token, and the step's idempotency key in I-Twilio-Idempotency-Token.
 */
import { failureForStatus, PROVIDER_FAILURE, retryableFailure } from './provider-errors.js';
import type { SendOptions, SendResult, SmsMessage, SmsProvider } from './types.js';

export const TWILIO_BASE_URL = 'https://api.twilio.com';

export interface TwilioProviderOptions {
  accountSid: string;
  authToken: string;
  /** An E.164 number, or a messaging service SID (MG followed by 32 hex digits). */
  from: string;
  /** Default https://api.twilio.com; tests point it at a local fake. */
  baseUrl?: string | undefined;
  /** Give up on a request after this long (then it is retried). Default 30 s. */
  timeoutMs?: number;
}

const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/i;

interface TwilioError {
  code?: number;
  message?: string;
  more_info?: string;
}

export function createTwilioSmsProvider(options: TwilioProviderOptions): SmsProvider {
  const baseUrl = (options.baseUrl ?? TWILIO_BASE_URL).replace(/\/+$/, '');
  const url = `${baseUrl}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  // Below the activity's 30 s start-to-close timeout, so a hung request fails as a retryable error first.
  const timeoutMs = options.timeoutMs ?? 20_000;

  return {
    name: 'twilio',
    async send(message: SmsMessage, { idempotencyKey }: SendOptions): Promise<SendResult> {
      const form = new URLSearchParams({ To: message.to, Body: message.body });
      if (MESSAGING_SERVICE_SID.test(options.from)) form.set('MessagingServiceSid', options.from);
      else form.set('From', options.from);

      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            Authorization: authorization,
            'Content-Type': 'application/x-www-form-urlencoded',
            Accept: 'application/json',
            'I-Twilio-Idempotency-Token': idempotencyKey,
          },
          body: form.toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const reason =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        throw retryableFailure(
          `Twilio could not be reached: ${reason}`,
          PROVIDER_FAILURE.unavailable,
          undefined,
          error,
        );
      }

      const raw = await response.text().catch(() => '');
      let body: (TwilioError & { sid?: string }) | undefined;
      try {
        body = raw ? (JSON.parse(raw) as TwilioError & { sid?: string }) : undefined;
      } catch {
        body = undefined;
      }

      if (response.ok) {
        if (!body?.sid)
          throw retryableFailure(
            `Twilio answered ${response.status} without a message SID`,
            PROVIDER_FAILURE.unavailable,
          );
        return { providerMessageId: body.sid };
      }
      const said = body?.message ?? (raw.slice(0, 200) || response.statusText || 'no details');
      const detail =
        body?.code !== undefined
          ? `${said} (error ${body.code}${body.more_info ? `, ${body.more_info}` : ''})`
          : said;
      throw failureForStatus(
        'Twilio',
        response.status,
        detail,
        response.headers.get('retry-after'),
      );
    },
  };
}
