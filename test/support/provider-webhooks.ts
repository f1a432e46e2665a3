/**
 * Provider feedback as the providers post it: Resend's webhooks signed as Svix signs them, Twilio's
 * form posts signed as Twilio signs them. The signatures are computed here, not with the code under
 * test.
 */
import { createHmac } from 'node:crypto';

/** Posts a Resend webhook `body` to `base`/webhooks/resend, signed with `key` (the secret's bytes). */
export function postResendWebhook(
  base: string,
  body: string,
  opts: { key: Buffer; id: string; timestamp?: number },
): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', opts.key)
    .update(`${opts.id}.${timestamp}.${body}`)
    .digest('base64');
  return fetch(`${base}/webhooks/resend`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': opts.id,
      'svix-timestamp': String(timestamp),
      'svix-signature': `v1,${mac}`,
    },
    body,
  });
}

/**
 * Posts Twilio's form `params` to `base`/webhooks/twilio, signed with `token` over the public URL
 * Twilio was given (`publicUrl`/webhooks/twilio) and the parameters sorted by name.
 */
export function postTwilioWebhook(
  base: string,
  publicUrl: string,
  params: Record<string, string>,
  token: string,
): Promise<Response> {
  const signed = Object.keys(params)
    .sort()
    .reduce((text, k) => text + k + params[k], `${publicUrl}/webhooks/twilio`);
  return fetch(`${base}/webhooks/twilio`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': createHmac('sha1', token).update(signed).digest('base64'),
    },
    body: new URLSearchParams(params).toString(),
  });
}
