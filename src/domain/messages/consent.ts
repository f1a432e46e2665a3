/**
 * Whether a contact may receive a marketing message on a channel, and at which address: the
 * consent rules of the built-in channels. A channel adapter names the rule it follows.
 */
import type { SkipReason } from './sending.js';

/** A contact as the consent rules see it. */
export interface ConsentFacts {
  email: string | null;
  phone: string | null;
  newsletter_status: string;
  sms_consent: boolean;
}

/** The address to send to, or why the message may not go. */
export type Reach =
  { to: string; refused?: undefined } | { refused: SkipReason; detail?: Record<string, unknown> };

const E164 = /^\+[1-9]\d{6,14}$/;

/** Email (newsletter type): an address and a newsletter subscription. */
export function emailReach(contact: ConsentFacts): Reach {
  if (!contact.email || !contact.email.includes('@')) return { refused: 'no_email' };
  if (contact.newsletter_status !== 'subscribed')
    return {
      refused: contact.newsletter_status === 'unsubscribed' ? 'unsubscribed' : 'not_subscribed',
      detail: { newsletterStatus: contact.newsletter_status },
    };
  return { to: contact.email };
}

/** SMS: an E.164 phone number and SMS consent. */
export function smsReach(contact: ConsentFacts): Reach {
  if (!contact.phone || !E164.test(contact.phone)) return { refused: 'no_phone' };
  if (!contact.sms_consent) return { refused: 'no_sms_consent' };
  return { to: contact.phone };
}
