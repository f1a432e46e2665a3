/**
 * A checkout the store reported: what was in the cart, for how much, and where the shopper can
 * take it up again. Shopify sends no "abandoned" event: abandonment is the absence of completion,
 * which a journey keyed on the checkout waits for.
 *
 * The same checkout has three forms: the internal one (CheckoutState), the properties of the flow
 * event a journey starts on or is told of (snake_case, what a flow's `where`, `key` and branches
 * read, and what the journey keeps), and the `checkout` variable of a message template, with
 * prices written in the checkout's currency and the campaign's UTM tags on its links.
 *
 * Pure: no I/O, so workflow code may import it.
 */
import { addUtmParams, type UtmParams } from './messages/utm.js';

export interface CheckoutLineItem {
  productId: string;
  title: string;
  variant?: string;
  quantity: number;
  /** The price of one unit, in the checkout's currency. */
  price: number;
  imageUrl?: string;
  productUrl?: string;
}

export interface CheckoutState {
  /** The store's checkout id (Shopify: the checkout's token). */
  id: string;
  /** Where it came from; an order completes it when it names its id from the same source. */
  source: string;
  /** ISO 4217. */
  currency: string;
  total: number;
  lineItems: CheckoutLineItem[];
  /** The store's link back to the checkout. */
  recoveryUrl?: string;
}

/** The flow events a checkout gives: its start and updates, its completion and its deletion. */
export const CHECKOUT_EVENTS = {
  started: 'checkout_started',
  updated: 'checkout_updated',
  completed: 'checkout_completed',
  deleted: 'checkout_deleted',
} as const;

/** The property a journey per checkout is keyed on. */
export const CHECKOUT_KEY = 'checkout_id';

/** A flow event's properties for a checkout (every checkout event carries the whole state). */
export function checkoutEventProperties(checkout: CheckoutState): Record<string, unknown> {
  return {
    [CHECKOUT_KEY]: checkout.id,
    source: checkout.source,
    currency: checkout.currency,
    total: checkout.total,
    item_count: checkout.lineItems.reduce((n, item) => n + item.quantity, 0),
    line_items: checkout.lineItems.map((item) => ({
      product_id: item.productId,
      title: item.title,
      ...(item.variant ? { variant: item.variant } : {}),
      quantity: item.quantity,
      price: item.price,
      ...(item.imageUrl ? { image_url: item.imageUrl } : {}),
      ...(item.productUrl ? { product_url: item.productUrl } : {}),
    })),
    ...(checkout.recoveryUrl ? { recovery_url: checkout.recoveryUrl } : {}),
  };
}

/**
 * The properties of a checkout event a flow entered on one may key its journeys on: those with a
 * single value (checkout_id, source, currency, total, item_count, recovery_url); a key the
 * events do not carry would start no journey.
 */
export const CHECKOUT_KEY_PROPERTIES: readonly string[] = Object.entries(
  checkoutEventProperties({
    id: 'c',
    source: 'store',
    currency: 'EUR',
    total: 0,
    lineItems: [],
    recoveryUrl: 'https://shop.example/cart',
  }),
).flatMap(([name, value]) => (typeof value === 'object' ? [] : [name]));

/**
 * An amount in `currency` as a shopper of `locale` reads it ("€1,234.50" in English, "1.234,50 €"
 * in German); the bare number if the code is unknown.
 */
export function formatMoney(amount: number, currency: string, locale = 'en'): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * The template's `checkout` from a checkout event's properties: `items` (title, variant,
 * quantity, price and line_total written in the currency — and as numbers, `price_amount` and
 * `line_total_amount` —, image_url, product_url), `total` (and `total_amount`), `currency`,
 * `item_count` and `recovery_url`, the links carrying the campaign's UTM tags.
 * Undefined when the properties are not a checkout's.
 */
export function checkoutTemplateVariable(
  properties: Record<string, unknown> | undefined,
  utm: UtmParams,
): Record<string, unknown> | undefined {
  if (!properties || str(properties[CHECKOUT_KEY]) === undefined) return undefined;
  const currency = str(properties.currency) ?? 'EUR';
  const link = (url: string | undefined) => (url ? addUtmParams(url, utm) : undefined);
  const items = (Array.isArray(properties.line_items) ? properties.line_items : []).map((raw) => {
    const item = record(raw);
    const quantity = num(item.quantity);
    return {
      product_id: str(item.product_id),
      title: str(item.title) ?? '',
      variant: str(item.variant),
      quantity,
      price: formatMoney(num(item.price), currency),
      price_amount: num(item.price),
      line_total: formatMoney(num(item.price) * quantity, currency),
      line_total_amount: num(item.price) * quantity,
      image_url: str(item.image_url),
      product_url: link(str(item.product_url)),
    };
  });
  return {
    id: properties[CHECKOUT_KEY],
    items,
    item_count: items.reduce((n, item) => n + item.quantity, 0),
    total: formatMoney(num(properties.total), currency),
    total_amount: num(properties.total),
    currency,
    recovery_url: link(str(properties.recovery_url)),
  };
}

/**
 * The template's `checkout` with its prices written in the contact's locale: the journey builds
 * the variable without knowing the contact (so in English, with the amounts beside), the render
 * knows its locale. A variable without amounts (built before they were added) is left as it is.
 */
export function checkoutInLocale(checkout: unknown, locale: string): unknown {
  const c = record(checkout);
  const currency = str(c.currency);
  if (!currency || typeof c.total_amount !== 'number') return checkout;
  const money = (amount: unknown, written: unknown) =>
    typeof amount === 'number' ? formatMoney(amount, currency, locale) : written;
  return {
    ...c,
    total: money(c.total_amount, c.total),
    items: (Array.isArray(c.items) ? c.items : []).map((raw) => {
      const item = record(raw);
      return {
        ...item,
        price: money(item.price_amount, item.price),
        line_total: money(item.line_total_amount, item.line_total),
      };
    }),
  };
}
