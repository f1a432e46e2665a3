/**
 * The simulator's webhooks: what Resend and Twilio post back after accepting a message, signed as
 * they sign (Svix headers; X-Twilio-Signature), sent to Boomerang's `/webhooks/resend` and
 * `/webhooks/twilio`. So bounces, complaints, deliveries and STOP replies are tried end to end
 * without the internet.
 *
 * With `auto`, every accepted email gets its webhook by its address, as Resend's test addresses
 * do: `bounced@…` a hard bounce, `soft-bounced@…` a transient one, `complained@…` a complaint,
 * anything else `delivered` (a `+tag` after the name is allowed: `bounced+42@example.com`).
 */
import { randomUUID } from 'node:crypto';
import { svixSignature, twilioSignature } from '../../domain/messages/webhook-signatures.js';

export interface WebhookOptions {
  /** Boomerang's base URL, where the webhooks go (e.g. http://127.0.0.1:3000). */
  url: string;
  /** RESEND_WEBHOOK_SECRET (`whsec_…`); unset: no Resend webhook is posted. */
  resendSecret?: string | undefined;
  /** TWILIO_AUTH_TOKEN; unset: no Twilio webhook is posted. */
  twilioAuthToken?: string | undefined;
  /** The URL Twilio signs, Boomerang's BOOMERANG_PUBLIC_URL. Default `url`. */
  publicUrl?: string | undefined;
  /** Post a webhook for every accepted email, chosen by its address. Default false. */
  auto?: boolean | undefined;
}

/** A webhook the simulator can post. */
export type SimulatedFeedback =
  | {
      kind: 'delivered' | 'opened' | 'clicked' | 'bounced' | 'soft-bounced' | 'complained';
      /** The id the simulator gave the email. */
      emailId: string;
      /** Default: the address the email was accepted for. */
      to?: string;
    }
  | { kind: 'sms-delivered' | 'sms-undelivered' | 'sms-failed'; sid: string; to?: string }
  /** An inbound reply from `from` (STOP, START…). */
  | { kind: 'inbound'; from: string; body: string; to?: string };

export interface PostedWebhook {
  status: number;
  body: string;
}

const RESEND_TYPES = {
  delivered: 'email.delivered',
  opened: 'email.opened',
  clicked: 'email.clicked',
  bounced: 'email.bounced',
  'soft-bounced': 'email.bounced',
  complained: 'email.complained',
} as const;

/** The webhook an email to `to` gets in auto mode. */
export function autoFeedbackKind(
  to: string,
): 'delivered' | 'bounced' | 'soft-bounced' | 'complained' {
  const name = (/<([^>]+)>/.exec(to)?.[1] ?? to).trim().toLowerCase().split('@')[0]!.split('+')[0]!;
  return name === 'bounced' || name === 'soft-bounced' || name === 'complained'
    ? name
    : 'delivered';
}

export function createWebhookPoster(
  options: WebhookOptions,
  lookup: { emailTo(id: string): string | undefined; smsTo(sid: string): string | undefined },
) {
  const base = options.url.replace(/\/$/, '');
  const publicBase = (options.publicUrl ?? options.url).replace(/\/$/, '');

  async function postResend(event: Extract<SimulatedFeedback, { emailId: string }>) {
    if (!options.resendSecret) throw new Error('no Resend webhook secret given to the simulator');
    const to = event.to ?? lookup.emailTo(event.emailId);
    if (!to) throw new Error(`the simulator accepted no email ${event.emailId}`);
    const now = new Date();
    const data: Record<string, unknown> = {
      email_id: event.emailId,
      from: 'simulator@example.com',
      to: [to],
      subject: '(simulated)',
      created_at: now.toISOString(),
    };
    if (event.kind === 'bounced')
      data.bounce = { type: 'Permanent', subType: 'General', message: 'simulated hard bounce' };
    if (event.kind === 'soft-bounced')
      data.bounce = { type: 'Transient', subType: 'MailboxFull', message: 'simulated soft bounce' };
    if (event.kind === 'clicked') data.click = { link: 'https://shop.example/', timestamp: now };
    const body = JSON.stringify({ type: RESEND_TYPES[event.kind], created_at: now, data });
    const id = `msg_${randomUUID().replace(/-/g, '')}`;
    const timestamp = Math.floor(now.getTime() / 1000);
    const res = await fetch(`${base}/webhooks/resend`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(timestamp),
        'svix-signature': svixSignature(options.resendSecret, id, timestamp, body),
      },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  async function postTwilio(params: Record<string, string>) {
    if (!options.twilioAuthToken) throw new Error('no Twilio auth token given to the simulator');
    const signature = twilioSignature(
      options.twilioAuthToken,
      `${publicBase}/webhooks/twilio`,
      Object.entries(params),
    );
    const res = await fetch(`${base}/webhooks/twilio`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: await res.text() };
  }

  return {
    /** Posts one webhook, signed; resolves with Boomerang's answer. */
    post(event: SimulatedFeedback): Promise<PostedWebhook> {
      switch (event.kind) {
        case 'sms-delivered':
        case 'sms-undelivered':
        case 'sms-failed': {
          const to = event.to ?? lookup.smsTo(event.sid);
          if (!to) throw new Error(`the simulator accepted no SMS ${event.sid}`);
          return postTwilio({
            MessageSid: event.sid,
            MessageStatus: event.kind.slice('sms-'.length),
            To: to,
            AccountSid: 'AC0',
          });
        }
        case 'inbound':
          return postTwilio({
            MessageSid: `SM${randomUUID().replace(/-/g, '')}`,
            AccountSid: 'AC0',
            From: event.from,
            To: event.to ?? '+15550000000',
            Body: event.body,
            SmsStatus: 'received',
            NumMedia: '0',
          });
        default:
          return postResend(event);
      }
    },
  };
}
