/**
 * What a message template sees besides the campaign's own variables: the contact, the shop and the
 * unsubscribe link; and the locale and time zone its dates are written in.
 */
import { isValidTimeZone } from '../contact-window.js';

/** The contact's fields a template may use. */
export interface TemplateContact {
  id: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  country: string | null;
}

/** The contact's fields as a template names them (`contact.first_name`), as templateVariables fills them. */
export const TEMPLATE_CONTACT_FIELDS = [
  'id',
  'first_name',
  'last_name',
  'email',
  'locale',
  'timezone',
  'country',
] as const satisfies readonly (keyof TemplateContact)[];

/** The shop's fields a template may use (`shop.name`, `shop.url`). */
export const TEMPLATE_SHOP_FIELDS = ['name', 'url'] as const;

export interface TemplateShop {
  name: string | undefined;
  url: string | undefined;
  timezone: string;
}

/**
 * The coupon code of every sample render (template preview, campaign test-send, the dashboard's
 * preview, the definition check): one fixed code whichever set a journey would draw from, so a
 * template previewed alone and a campaign's test send show the same. Nothing is assigned.
 */
export const SAMPLE_COUPON_CODE = 'SAMPLE-7QX2';

/** "Boomerang Shop <shop@example.com>" → "Boomerang Shop"; a bare address → its domain. */
export function senderName(from: string): string {
  const display = /^\s*"?([^"<]*?)"?\s*<[^>]+>\s*$/.exec(from)?.[1]?.trim();
  if (display) return display;
  return from.replace(/^.*@/, '').replace(/>.*$/, '').trim() || from;
}

/** A supported BCP 47 tag for the contact's locale ("en_GB" → "en-GB"), else "en". */
export function normaliseLocale(locale: string | null | undefined): string {
  const candidate = (locale ?? '').trim().replace(/_/g, '-');
  if (candidate) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf(candidate);
      if (supported) return supported;
    } catch {
      // not a BCP 47 tag: fall through
    }
  }
  return 'en';
}

/** Dates in the contact's locale and time zone; the shop's zone when the contact's is unknown. */
export function renderLocaleOf(
  contact: Pick<TemplateContact, 'locale' | 'timezone'>,
  shopTimeZone: string,
): { locale: string; timeZone: string } {
  const timeZone =
    contact.timezone && isValidTimeZone(contact.timezone) ? contact.timezone : shopTimeZone;
  return { locale: normaliseLocale(contact.locale), timeZone };
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * The campaign's variables with the contact, the shop and the unsubscribe link added. The contact's
 * own fields win over the campaign's; the campaign's shop fields win over the configured ones.
 */
export function templateVariables(
  given: Record<string, unknown> | undefined,
  contact: TemplateContact,
  shop: TemplateShop & { from: string },
  unsubscribeUrl: string | undefined,
): Record<string, unknown> {
  const variables = given ?? {};
  return {
    ...variables,
    contact: {
      ...recordOf(variables.contact),
      id: contact.id,
      first_name: contact.first_name,
      last_name: contact.last_name,
      email: contact.email,
      locale: contact.locale,
      timezone: contact.timezone,
      country: contact.country,
    },
    shop: {
      name: shop.name ?? senderName(shop.from),
      ...(shop.url ? { url: shop.url } : {}),
      ...recordOf(variables.shop),
    },
    unsubscribe_url: unsubscribeUrl,
  };
}
