/**
 * The templates campaigns use unless their definition brings its own: the emails (and the SMS) of
 * the seed campaigns, in English. Each one names the coupon code and its expiry where it has one;
 * every email ends with an unsubscribe link.
 *
 * Variables: contact.first_name, coupon.code, coupon.expires_at, coupon.discount (e.g. "15%"),
 * shop.name, shop.url, unsubscribe_url.
 *
 * The names are those campaign definitions default to (src/domain/campaigns/definition.ts).
 */
import type { EmailTemplate, SmsTemplate } from './templates.js';

const GREETING = `Hi{% if contact.first_name %} {{ contact.first_name }}{% endif %},`;

const COUPON_BOX = `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px auto;border:2px dashed #111;border-radius:8px">
  <tr><td style="padding:16px 32px;text-align:center;font-family:Helvetica,Arial,sans-serif">
    <div style="font-size:12px;letter-spacing:2px;text-transform:uppercase;color:#555">Your code</div>
    <div style="font-size:28px;font-weight:bold;letter-spacing:3px;color:#111">{{ coupon.code }}</div>
    {% if coupon.expires_at %}<div style="font-size:13px;color:#555">Valid until {{ coupon.expires_at | format_date }}</div>{% endif %}
  </td></tr>
</table>`;

const BUTTON = (label: string) =>
  `{% if shop.url %}<p style="text-align:center;margin:24px 0"><a href="{{ shop.url }}" style="display:inline-block;padding:12px 28px;background:#111;color:#fff;text-decoration:none;border-radius:6px;font-family:Helvetica,Arial,sans-serif">${label}</a></p>{% endif %}`;

/** The frame every default email shares: the shop's name on top, the unsubscribe footer below. */
function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head>
<body style="margin:0;padding:0;background:#f4f4f4">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f4">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#fff;border-radius:8px">
<tr><td style="padding:24px 32px;font-family:Helvetica,Arial,sans-serif;font-size:20px;font-weight:bold;color:#111">{{ shop.name }}</td></tr>
<tr><td style="padding:0 32px 24px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#222">
${content}
</td></tr>
<tr><td style="padding:16px 32px;border-top:1px solid #eee;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:1.5;color:#777">
<p>You are receiving this email because you subscribed to news and offers from {{ shop.name }}.</p>
<p>Not interested any more? <a href="{{ unsubscribe_url }}" style="color:#777">Unsubscribe</a> with one click.</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

const DISCOUNT = `{% if coupon.discount %}{{ coupon.discount }} off{% else %}a discount{% endif %}`;
const EXPIRY_SENTENCE = `{% if coupon.expires_at %} It is valid until {{ coupon.expires_at | format_date }}.{% endif %}`;

export const DEFAULT_EMAIL_TEMPLATES = {
  /** Connectif: reactivate low-CLV customers with a coupon (first email). */
  'low-clv-offer': {
    subject: `{% if contact.first_name %}{{ contact.first_name }}, a{% else %}A{% endif %} coupon just for you: {{ coupon.code }}`,
    html: layout(
      'A coupon just for you',
      `<p>${GREETING}</p>
<p>It has been a while, so here is ${DISCOUNT} on your next order at {{ shop.name }}. Enter this code at checkout:</p>
${COUPON_BOX}
<p>Use code <strong>{{ coupon.code }}</strong> on anything in the shop.${EXPIRY_SENTENCE}</p>
${BUTTON('Shop now')}`,
    ),
  },
  /** Connectif: the same coupon again, seven days later, to those who have not bought. */
  'low-clv-reminder': {
    subject: `Reminder: your coupon {{ coupon.code }} is still waiting`,
    html: layout(
      'Your coupon is still waiting',
      `<p>${GREETING}</p>
<p>A quick reminder: your coupon for ${DISCOUNT} at {{ shop.name }} has not been used yet.</p>
${COUPON_BOX}
<p>Enter <strong>{{ coupon.code }}</strong> at checkout.{% if coupon.expires_at %} Hurry, it expires on {{ coupon.expires_at | format_date }}.{% endif %}</p>
${BUTTON('Use my coupon')}`,
    ),
  },
  /** Connectif: inactive-customer reactivation on entering the RFM segment "Can't lose them". */
  'reactivation-coupon': {
    subject: `We miss you{% if contact.first_name %}, {{ contact.first_name }}{% endif %}! Here is {% if coupon.discount %}{{ coupon.discount }} off{% else %}a gift{% endif %} to come back`,
    html: layout(
      'We miss you',
      `<p>${GREETING}</p>
<p>You have been one of our best customers, and we have missed you at {{ shop.name }}. To welcome you back, here is ${DISCOUNT} on your next order:</p>
${COUPON_BOX}
<p>Just enter <strong>{{ coupon.code }}</strong> at checkout.${EXPIRY_SENTENCE}</p>
${BUTTON('Come back and save')}`,
    ),
  },
  /** CareCloud: the welcome email right after registration, with the initial offer. */
  'welcome-offer': {
    subject: `Welcome to {{ shop.name }}{% if contact.first_name %}, {{ contact.first_name }}{% endif %}!`,
    html: layout(
      'Welcome',
      `<p>${GREETING}</p>
<p>Thank you for creating your account at {{ shop.name }}. We are glad to have you with us.</p>
{% if coupon.code %}<p>To celebrate, here is ${DISCOUNT} on your first order:</p>
${COUPON_BOX}
<p>Enter <strong>{{ coupon.code }}</strong> at checkout.${EXPIRY_SENTENCE}</p>{% else %}<p>Have a look around: new arrivals, best sellers and offers for new customers are waiting for you.</p>{% endif %}
${BUTTON('Start shopping')}`,
    ),
  },
  /** CareCloud: the welcome voucher, two days later, for those who have not bought yet. */
  'welcome-voucher': {
    subject: `Your welcome voucher: {{ coupon.code }}`,
    html: layout(
      'Your welcome voucher',
      `<p>${GREETING}</p>
<p>Still looking around? Here is a welcome voucher for ${DISCOUNT} on your first order at {{ shop.name }}:</p>
${COUPON_BOX}
<p>Enter <strong>{{ coupon.code }}</strong> at checkout.{% if coupon.expires_at %} It is only valid until {{ coupon.expires_at | format_date }}, so do not wait too long.{% endif %}</p>
${BUTTON('Use my voucher')}`,
    ),
  },
  /** CareCloud: the voucher reminder, five days after the voucher. */
  'voucher-reminder': {
    subject: `{% if coupon.expires_at %}Your voucher {{ coupon.code }} expires on {{ coupon.expires_at | format_date }}{% else %}Your voucher {{ coupon.code }} is waiting for you{% endif %}`,
    html: layout(
      'Your voucher expires soon',
      `<p>${GREETING}</p>
<p>Your welcome voucher at {{ shop.name }} has not been used yet.</p>
${COUPON_BOX}
<p>Enter <strong>{{ coupon.code }}</strong> at checkout to get ${DISCOUNT} on your first order.{% if coupon.expires_at %} It expires on {{ coupon.expires_at | format_date }}.{% endif %}</p>
${BUTTON('Use my voucher')}`,
    ),
  },
} satisfies Record<string, EmailTemplate>;

export const DEFAULT_SMS_TEMPLATES = {
  /** CareCloud: the voucher reminder by SMS, to contacts with a phone number and SMS consent. */
  'voucher-reminder-sms': {
    body: `{{ shop.name }}: Hi{% if contact.first_name %} {{ contact.first_name }}{% endif %}, your voucher {{ coupon.code }}{% if coupon.expires_at %} expires on {{ coupon.expires_at | format_date: "medium" }}{% else %} is waiting for you{% endif %}. Use it at checkout{% if shop.url %}: {{ shop.url }}{% endif %}. Reply STOP to opt out.`,
  },
} satisfies Record<string, SmsTemplate>;

export type DefaultEmailTemplateName = keyof typeof DEFAULT_EMAIL_TEMPLATES;
export type DefaultSmsTemplateName = keyof typeof DEFAULT_SMS_TEMPLATES;
