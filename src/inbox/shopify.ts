/**
 * Shopify webhook payloads → Boomerang's own events (events.ts), so the inbox applies them exactly
 * like events of the HTTP API.
 *
 *   orders/create, orders/paid, → purchase: order id, customer id / email, total_price, currency,
 *   orders/cancelled              discount_codes[0].code, created_at; financial_status and
 *                                 cancelled_at decide the status (src/domain/shopify-orders.ts), so
 *                                 orders/cancelled is a cancelled order (the flow event
 *                                 order_cancelled). An order not paid yet (pending, authorized) and
 *                                 not cancelled is ignored: orders/paid follows when it is paid.
 *   refunds/create              → order_refunded, with the amount of its successful refund transactions
 *                                 and its created_at: refunds of one order that add up to its total
 *                                 refund the order (src/inbox/apply.ts).
 *   customers/create            → account_registered; email_marketing_consent.state (or the older
 *                                 accepts_marketing) gives the newsletter status.
 *   checkouts/create, /update   → checkout_started / checkout_updated: the checkout's token is its id
 *                                 (orders name it as checkout_token), email / customer, line_items,
 *                                 total_price, currency, abandoned_checkout_url, completed_at;
 *                                 buyer_accepts_marketing subscribes a new contact. A checkout
 *                                 without email or customer is kept and starts nothing.
 *   checkouts/delete            → checkout_deleted.
 * Orders carry the checkout they complete: checkout_token (older API versions: checkout_id).
 * A payload that cannot be attributed to a contact (a POS order without customer) is ignored.
 * An email of another type than text (a number) is left out when the payload has a text email or
 * a customer id to go by (and said, by its Shopify path: `customer.email`, `email`,
 * `contact_email`); without either the event is ignored with that field named.
 * Optional contact details Shopify has in a form Boomerang refuses (a phone without country code)
 * are dropped rather than losing the event; so are a customer's created_at and consent time when
 * they are more than the clock tolerance ahead of the receipt (the receipt time is used instead).
 */
import { isJsonObject, type JsonObject, trimmedText } from '../domain/json.js';
import { shopifyOrderState } from '../domain/shopify-orders.js';
import { type ReceiptClock, receiptClockNow } from '../domain/store-clock.js';
import { type EventProblem, validateEvent } from './events.js';

/** orders.source of Shopify's orders. */
export const SHOPIFY_ORDER_SOURCE = 'shopify';

export type ShopifyMapping =
  | {
      ok: true;
      event: Record<string, unknown>;
      /** Contact fields left out because Boomerang refuses their value. */ dropped: EventProblem[];
    }
  | { ok: false; ignored: string };

type Json = JsonObject;
/**
 * A payload's event, and Shopify's names of the fields it took (event path → payload path), so a
 * problem names the field the shop sent.
 */
interface Mapped {
  event: Json;
  shopifyPaths?: Record<string, string>;
}
const isObject = isJsonObject;
const text = trimmedText;
const id = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? String(v) : text(v);
/** Only set keys, so the stored event carries no nulls. */
const compact = (o: Json): Json =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

/**
 * Shopify's ids are 64-bit integers, sent as JSON numbers: beyond 2^53 JSON.parse would round
 * them (820982911946154508 → 820982911946154500). Big integers under an `…id` key are read as
 * strings instead. Throws SyntaxError for malformed JSON.
 */
export function parseShopifyJson(text: string): unknown {
  return JSON.parse(text.replace(/("[A-Za-z_]*id"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g, '$1"$2"'));
}

/**
 * The first text of `fields` (Shopify's path → value); null and blank text are none. Without one,
 * the first value of another type (a number) is passed on, so the contact gate names its wrong
 * type rather than the event being taken for one without a customer.
 */
function emailOf(fields: Json): { email?: unknown; path?: string } {
  let wrongType: { email: unknown; path: string } | undefined;
  for (const [path, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') wrongType ??= { email: value, path };
    else if (value.trim()) return { email: value.trim(), path };
  }
  return wrongType ?? {};
}

/** subscribed / unsubscribed from Shopify's consent; anything else leaves the status as it is. */
function newsletterOf(customer: Json): 'subscribed' | 'unsubscribed' | undefined {
  const consent = isObject(customer.email_marketing_consent)
    ? text(customer.email_marketing_consent.state)?.toLowerCase()
    : undefined;
  if (consent === 'subscribed') return 'subscribed';
  if (consent === 'unsubscribed') return 'unsubscribed';
  if (consent === undefined && typeof customer.accepts_marketing === 'boolean')
    return customer.accepts_marketing ? 'subscribed' : undefined;
  return undefined;
}

function smsConsentOf(customer: Json): boolean | undefined {
  const state = isObject(customer.sms_marketing_consent)
    ? text(customer.sms_marketing_consent.state)?.toLowerCase()
    : undefined;
  if (state === 'subscribed') return true;
  if (state === 'unsubscribed') return false;
  return undefined;
}

function mapOrder(order: Json): ShopifyMapping | Mapped {
  const orderId = id(order.id);
  if (!orderId) return { ok: false, ignored: 'the order has no id' };
  const customer = isObject(order.customer) ? order.customer : {};
  const externalId = id(customer.id);
  const { email, path: emailPath } = emailOf({
    'customer.email': customer.email,
    email: order.email,
    contact_email: order.contact_email,
  });
  if (!externalId && email === undefined)
    return {
      ok: false,
      ignored: `order ${orderId} has no customer (neither customer id nor email)`,
    };
  const state = shopifyOrderState(text(order.financial_status), Boolean(text(order.cancelled_at)));
  if (!('status' in state))
    return {
      ok: false,
      ignored: `order ${orderId}: financial_status "${'notPaidYet' in state ? state.notPaidYet : state.unknown}" is not a purchase yet (orders/paid follows when it is paid)`,
    };
  const { status } = state;
  const discounts = Array.isArray(order.discount_codes) ? order.discount_codes : [];
  const total =
    typeof order.total_price === 'number'
      ? order.total_price
      : Number(text(order.total_price) ?? Number.NaN);
  const event = {
    type: 'purchase',
    contact: compact({
      external_id: externalId,
      email,
      first_name: text(customer.first_name),
      last_name: text(customer.last_name),
      newsletter: newsletterOf(customer),
    }),
    order: compact({
      id: orderId,
      source: SHOPIFY_ORDER_SOURCE,
      total: Number.isFinite(total) ? total : order.total_price,
      currency: text(order.currency),
      coupon_code: isObject(discounts[0]) ? text(discounts[0].code) : undefined,
      placed_at: text(order.created_at) ?? text(order.processed_at),
      status,
      checkout_id: id(order.checkout_token) ?? id(order.checkout_id),
    }),
  };
  return { event, ...(emailPath ? { shopifyPaths: { 'contact.email': emailPath } } : {}) };
}

const amountOf = (v: unknown): unknown => {
  const n = typeof v === 'number' ? v : Number(text(v) ?? Number.NaN);
  return Number.isFinite(n) ? n : v;
};
const webLink = (v: unknown): string | undefined => {
  const url = text(v);
  return url && /^https?:\/\//i.test(url) ? url : undefined;
};

/** A Shopify checkout line: its image and product page when the payload has them. */
function mapLineItem(line: Json): Json {
  const image = isObject(line.image) ? line.image.src : line.image;
  return compact({
    product_id: id(line.product_id) ?? id(line.variant_id) ?? text(line.sku) ?? text(line.title),
    title: text(line.title) ?? text(line.presentment_title),
    variant: text(line.variant_title),
    quantity: line.quantity,
    price: amountOf(line.price),
    image_url: webLink(line.image_url) ?? webLink(image),
    product_url: webLink(line.product_url) ?? webLink(line.url),
  });
}

function mapCheckout(
  checkout: Json,
  type: 'checkout_started' | 'checkout_updated' | 'checkout_deleted',
): ShopifyMapping | Mapped {
  const token = id(checkout.token) ?? id(checkout.id);
  if (!token) return { ok: false, ignored: 'the checkout has no token' };
  if (type === 'checkout_deleted')
    return {
      event: compact({
        type,
        checkout: { id: token, source: SHOPIFY_ORDER_SOURCE },
        occurred_at: text(checkout.updated_at),
      }),
    };
  const customer = isObject(checkout.customer) ? checkout.customer : {};
  const externalId = id(customer.id);
  const { email, path: emailPath } = emailOf({
    email: checkout.email,
    'customer.email': customer.email,
  });
  const lines = Array.isArray(checkout.line_items) ? checkout.line_items : [];
  const event = compact({
    type,
    contact:
      externalId || email !== undefined
        ? compact({
            external_id: externalId,
            email,
            first_name: text(customer.first_name),
            last_name: text(customer.last_name),
            newsletter:
              checkout.buyer_accepts_marketing === true ? 'subscribed' : newsletterOf(customer),
          })
        : undefined,
    checkout: compact({
      id: token,
      source: SHOPIFY_ORDER_SOURCE,
      total: amountOf(checkout.total_price),
      currency: text(checkout.currency) ?? text(checkout.presentment_currency),
      line_items: lines.filter(isObject).map(mapLineItem),
      recovery_url: webLink(checkout.abandoned_checkout_url),
      started_at: text(checkout.created_at),
      completed_at: text(checkout.completed_at),
    }),
    occurred_at: text(checkout.updated_at) ?? text(checkout.created_at),
  });
  return { event, ...(emailPath ? { shopifyPaths: { 'contact.email': emailPath } } : {}) };
}

function mapRefund(refund: Json): ShopifyMapping | Mapped {
  const orderId = id(refund.order_id);
  if (!orderId) return { ok: false, ignored: 'the refund names no order_id' };
  let amount: number | undefined;
  if (Array.isArray(refund.transactions)) {
    amount = 0;
    for (const t of refund.transactions) {
      if (
        !isObject(t) ||
        text(t.kind)?.toLowerCase() !== 'refund' ||
        text(t.status)?.toLowerCase() !== 'success'
      )
        continue;
      const value = typeof t.amount === 'number' ? t.amount : Number(text(t.amount));
      if (Number.isFinite(value)) amount += value;
    }
    amount = Math.round(amount * 100) / 100;
  }
  return {
    event: compact({
      type: 'order_refunded',
      order: { id: orderId, source: SHOPIFY_ORDER_SOURCE },
      amount,
      refunded_at: text(refund.created_at),
    }),
  };
}

function mapCustomer(customer: Json): ShopifyMapping | Mapped {
  const { email } = emailOf({ email: customer.email });
  if (email === undefined)
    return {
      ok: false,
      ignored: `customer ${id(customer.id) ?? '(no id)'} has no email: a registration needs one`,
    };
  const address = isObject(customer.default_address) ? customer.default_address : {};
  const event = compact({
    type: 'account_registered',
    contact: compact({
      external_id: id(customer.id),
      email,
      first_name: text(customer.first_name),
      last_name: text(customer.last_name),
      phone: text(customer.phone),
      country: text(address.country_code),
      locale: text(customer.locale),
      newsletter: newsletterOf(customer),
      sms_consent: smsConsentOf(customer),
    }),
    registered_at: text(customer.created_at),
    // The consent's own time, else the customer record's: a replay of an old webhook (under a new
    // X-Shopify-Webhook-Id, which the HMAC does not cover) must not undo a newer choice.
    occurred_at:
      (isObject(customer.email_marketing_consent)
        ? text(customer.email_marketing_consent.consent_updated_at)
        : undefined) ?? text(customer.updated_at),
  });
  return { event, shopifyPaths: { 'contact.email': 'email' } };
}

/** Optional details whose bad value is not worth losing the event for. */
const DROPPABLE = new Set([
  'registered_at',
  'occurred_at',
  'contact.phone',
  'contact.first_name',
  'contact.last_name',
  'contact.country',
  'contact.locale',
  'contact.timezone',
  'contact.sms_consent',
  'checkout.started_at',
  'checkout.completed_at',
]);

/** The webhook topics Boomerang takes, each with how its payload becomes a store event. */
const MAPPERS = {
  'orders/create': mapOrder,
  'orders/paid': mapOrder,
  'orders/cancelled': mapOrder,
  'refunds/create': mapRefund,
  'customers/create': mapCustomer,
  'checkouts/create': (checkout: Json) => mapCheckout(checkout, 'checkout_started'),
  'checkouts/update': (checkout: Json) => mapCheckout(checkout, 'checkout_updated'),
  'checkouts/delete': (checkout: Json) => mapCheckout(checkout, 'checkout_deleted'),
} satisfies Record<string, (payload: Json) => ShopifyMapping | Mapped>;

export type ShopifyTopic = keyof typeof MAPPERS;
export const SHOPIFY_TOPICS = Object.keys(MAPPERS) as ShopifyTopic[];

export function isShopifyTopic(topic: string): topic is ShopifyTopic {
  return Object.hasOwn(MAPPERS, topic);
}

/** The event of a webhook of a known topic received at `clock`, or why there is none. */
export function mapShopifyWebhook(
  topic: ShopifyTopic,
  payload: unknown,
  clock: ReceiptClock = receiptClockNow(),
): ShopifyMapping {
  if (!isObject(payload)) return { ok: false, ignored: 'the payload is not a JSON object' };
  const mapped = MAPPERS[topic](payload);
  if ('ok' in mapped) return mapped;
  const { event, shopifyPaths = {} } = mapped;
  const dropped: EventProblem[] = [];
  // An order's or checkout's email that is not text is left out where the customer id still says
  // who the contact is; a registration needs its email.
  const contact = isObject(event.contact) ? event.contact : {};
  const emailDroppable =
    topic !== 'customers/create' &&
    contact.external_id !== undefined &&
    contact.email !== undefined &&
    typeof contact.email !== 'string';
  for (;;) {
    const result = validateEvent(event, [], clock);
    if (result.ok) return { ok: true, event, dropped };
    const bad = result.problems.filter(
      (p) => DROPPABLE.has(p.path) || (p.path === 'contact.email' && emailDroppable),
    );
    if (bad.length === 0 || bad.length !== result.problems.length) {
      return {
        ok: false,
        ignored: `the ${topic} payload does not make a valid event: ${result.problems.map((p) => `${shopifyPaths[p.path] ?? p.path}: ${p.message}`).join('; ')}`,
      };
    }
    for (const problem of bad) {
      const [field, inner] = problem.path.split('.');
      if (inner) delete (event[field!] as Json)[inner];
      else delete event[field!];
    }
    dropped.push(...bad.map((p) => ({ ...p, path: shopifyPaths[p.path] ?? p.path })));
  }
}
