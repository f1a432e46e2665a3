/**
 * The store's events, as they arrive (`POST /events`, the CLI, Shopify webhooks once translated)
 * and as the inbox processor applies them. One schema validates both: the wire form (snake_case
 * JSON) is what `inbox_events.payload` keeps, and parsing it gives the internal event.
 *
 *   account_registered  { event_id?, contact: {email, external_id?, first_name?, …}, registered_at?, occurred_at? }
 *   purchase            { event_id?, contact: {external_id? | email, …}, order: {id, total, currency?, coupon_code?, placed_at?, status?, source?} }
 *   order_refunded      { event_id?, order: {id, source?}, amount?, refunded_at? }
 *   track               { event_id?, name, properties?, contact: {external_id? | email, …}, occurred_at? }
 *   checkout_started,   { event_id?, contact?: {external_id? | email, …}, checkout: {id, source?, total,
 *   checkout_updated      currency?, line_items: [{product_id, title, variant?, quantity, price,
 *                         image_url?, product_url?}], recovery_url?, started_at?, completed_at?}, occurred_at? }
 *   checkout_deleted    { event_id?, checkout: {id, source?}, occurred_at? }
 *
 * Contact data goes through the one gate for contact data (`validateContactInput`); problems are
 * reported per field path, e.g. `contact.phone`, `order.total`, `events[2].order.placed_at`.
 * Times must be from 1970 on, and at most EVENT_CLOCK_TOLERANCE_SECONDS after the event's receipt.
 */
import { z } from 'zod';
import {
  beforeEarliest,
  CONTACT_FIELD_COLUMNS,
  type ContactField,
  type ContactInput,
  parseIsoTimestamp,
  validateContactInput,
} from '../domain/contacts.js';
import { aheadOfClock, type ReceiptClock, receiptClockNow } from '../domain/store-clock.js';
import { ORDER_STATUSES, type OrderStatus } from '../db/orders.js';
import { CHECKOUT_EVENTS, type CheckoutState } from '../domain/checkouts.js';
import { isJsonObject } from '../domain/json.js';
import { findTextProblems, formatPath } from './text.js';

export { formatPath };

export const EVENT_TYPES = [
  'account_registered',
  'purchase',
  'order_refunded',
  'track',
  'checkout_started',
  'checkout_updated',
  'checkout_deleted',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Where orders of events that do not say come from (orders are unique per source and id). */
export const DEFAULT_EVENT_ORDER_SOURCE = 'api';

/** At most this many events in one `{"events": […]}` batch. */
export const MAX_BATCH_EVENTS = 500;

export interface RegistrationEvent {
  type: 'account_registered';
  eventId?: string;
  contact: ContactInput;
  /** Absent: the time the event was received. */
  registeredAt?: Date;
  /**
   * When the store stated the contact's data, consent included (e.g. Shopify's updated_at).
   * Absent: registeredAt, else the time the event was received.
   */
  occurredAt?: Date;
}

export interface PurchaseOrder {
  id: string;
  source: string;
  total: number;
  /** Absent: the shop's currency (SHOP_CURRENCY). */
  currency?: string;
  couponCode?: string;
  /**
   * Absent: the time of the order already stored (an event that does not say when the order was
   * placed does not move it), else the time the event was received.
   */
  placedAt?: Date;
  status: OrderStatus;
  /** The store's id of the checkout this order completes (a checkout of the same source). */
  checkoutId?: string;
}

export interface PurchaseEventInput {
  type: 'purchase';
  eventId?: string;
  contact: ContactInput;
  order: PurchaseOrder;
}

export interface RefundEvent {
  type: 'order_refunded';
  eventId?: string;
  order: { id: string; source: string };
  /** Amount refunded, in the order's currency. Absent: the whole order. */
  amount?: number;
  refundedAt?: Date;
}

/** A custom event of the shop's (`checkout_started`, `review_written`…): flows start on and wait for them. */
export interface TrackEvent {
  type: 'track';
  eventId?: string;
  name: string;
  properties: Record<string, unknown>;
  contact: ContactInput;
  /** Absent: the time the event was received. */
  occurredAt?: Date;
}

/** A checkout as the store states it now: its start, or a later change (items, email, completion). */
export interface CheckoutEvent {
  type: 'checkout_started' | 'checkout_updated';
  eventId?: string;
  /** Absent (or without an email): the checkout is kept, and starts nothing. */
  contact?: ContactInput;
  checkout: Omit<CheckoutState, 'currency'> & {
    /** Absent: the shop's currency (SHOP_CURRENCY). */
    currency?: string;
    startedAt?: Date;
    /** The store says it became an order. */
    completedAt?: Date;
  };
  /** When the store stated this state. Absent: the time the event was received. */
  occurredAt?: Date;
}

/** The store removed a checkout: its journey ends. */
export interface CheckoutDeletedEvent {
  type: 'checkout_deleted';
  eventId?: string;
  checkout: { id: string; source: string };
  occurredAt?: Date;
}

export type InboxEvent =
  | RegistrationEvent
  | PurchaseEventInput
  | RefundEvent
  | TrackEvent
  | CheckoutEvent
  | CheckoutDeletedEvent;

/** A problem with one field of an event, by its path in the JSON body. */
export interface EventProblem {
  path: string;
  message: string;
}

export type EventsValidation =
  | {
      ok: true;
      events: { wire: Record<string, unknown>; event: InboxEvent }[];
      /** The body was `{"events": […]}`. */
      batch: boolean;
    }
  | { ok: false; problems: EventProblem[] };

// ---------------------------------------------------------------------------------------------
// Field schemas

/** The JSON name of each contact field (`newsletter` is the status; registered_at is the event's). */
const CONTACT_WIRE_FIELDS: Record<string, ContactField> = {
  external_id: 'externalId',
  email: 'email',
  phone: 'phone',
  first_name: 'firstName',
  last_name: 'lastName',
  locale: 'locale',
  timezone: 'timezone',
  country: 'country',
  tags: 'tags',
  newsletter: 'newsletterStatus',
  sms_consent: 'smsConsent',
};
const WIRE_NAME_OF: Partial<Record<ContactField, string>> = Object.fromEntries(
  Object.entries(CONTACT_WIRE_FIELDS).map(([wire, field]) => [field, wire]),
);

const isObject = isJsonObject;

/** A contact object, validated and normalised by the contact gate; `emailRequired` for registrations. */
function contactSchema(emailRequired: boolean) {
  return z.unknown().transform((raw, ctx): ContactInput => {
    if (!isObject(raw)) {
      ctx.addIssue({
        code: 'custom',
        message: raw === undefined ? 'is required' : 'must be an object',
      });
      return z.NEVER;
    }
    const input: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const field = Object.hasOwn(CONTACT_WIRE_FIELDS, key) ? CONTACT_WIRE_FIELDS[key] : undefined;
      if (field) input[field] = value;
      else
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `is not a contact field (known: ${Object.keys(CONTACT_WIRE_FIELDS).join(', ')})`,
        });
    }
    const missingEmail =
      emailRequired && (raw.email === undefined || raw.email === null || raw.email === '');
    if (missingEmail) ctx.addIssue({ code: 'custom', path: ['email'], message: 'is required' });
    const result = validateContactInput(input);
    if (!result.ok) {
      for (const issue of result.issues) {
        // "external_id or email is required" says the same as the missing-email problem above.
        if (!issue.field && missingEmail) continue;
        ctx.addIssue({
          code: 'custom',
          path: issue.field
            ? [WIRE_NAME_OF[issue.field] ?? CONTACT_FIELD_COLUMNS[issue.field]]
            : [],
          message: issue.message,
        });
      }
      return z.NEVER;
    }
    return result.value;
  });
}

const timestamp = z
  .string({ error: 'must be an ISO 8601 date-time, e.g. 2026-11-24T09:30:00Z' })
  .transform((raw, ctx) => {
    const date = parseIsoTimestamp(raw);
    if (!date) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(raw)} is not an ISO 8601 date-time (e.g. 2026-11-24T09:30:00Z)`,
      });
      return z.NEVER;
    }
    const early = beforeEarliest(date, raw);
    if (early) {
      ctx.addIssue({ code: 'custom', message: early });
      return z.NEVER;
    }
    return date;
  });

/** Ids may be strings or integers (Shopify's are numbers); kept as trimmed strings. */
const identifier = (what: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()], {
      error: `must be a string or a whole number (the ${what})`,
    })
    .transform((v) => String(v).trim())
    .pipe(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'));

const amount = z
  .number({ error: 'must be a number ≥ 0' })
  .min(0, 'must be a number ≥ 0')
  .max(1e11, 'must be below 10^11');

const currency = z
  .string({ error: 'must be an ISO 4217 code such as EUR' })
  .transform((v) => v.trim().toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'));

const orderSource = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be lower-case letters, digits, - or _ (e.g. shopify)');

/** How an event names an order or checkout: the store's id and, when not the default, its source. */
const storeRefFields = (what: string) => ({ id: identifier(what), source: orderSource.optional() });

/** The order or checkout an event names, the default source when the event does not say. */
function storeRef(ref: { id: string; source?: string | undefined }): RefundEvent['order'] {
  return { id: ref.id, source: ref.source ?? DEFAULT_EVENT_ORDER_SOURCE };
}

const common = { type: z.string(), event_id: identifier("store's event id").optional() };

const registrationSchema = z
  .strictObject({
    ...common,
    type: z.literal('account_registered'),
    contact: contactSchema(true),
    registered_at: timestamp.optional(),
    occurred_at: timestamp.optional(),
  })
  .transform((v): RegistrationEvent => ({
    type: v.type,
    ...(v.event_id ? { eventId: v.event_id } : {}),
    contact: v.contact,
    ...(v.registered_at ? { registeredAt: v.registered_at } : {}),
    ...(v.occurred_at ? { occurredAt: v.occurred_at } : {}),
  }));

const purchaseSchema = z
  .strictObject({
    ...common,
    type: z.literal('purchase'),
    contact: contactSchema(false),
    order: z.strictObject({
      ...storeRefFields("store's order id"),
      total: amount,
      currency: currency.optional(),
      coupon_code: z
        .string({ error: 'must be a string' })
        .max(100, 'must be at most 100 characters')
        .nullable()
        .optional()
        .transform((v) => (v?.trim() ? v.trim() : undefined)),
      placed_at: timestamp.optional(),
      status: z
        .enum(ORDER_STATUSES, { error: `must be one of ${ORDER_STATUSES.join(', ')}` })
        .optional(),
      checkout_id: identifier("store's checkout id").optional(),
    }),
  })
  .transform((v): PurchaseEventInput => ({
    type: v.type,
    ...(v.event_id ? { eventId: v.event_id } : {}),
    contact: v.contact,
    order: {
      ...storeRef(v.order),
      total: v.order.total,
      ...(v.order.currency ? { currency: v.order.currency } : {}),
      ...(v.order.coupon_code ? { couponCode: v.order.coupon_code } : {}),
      ...(v.order.placed_at ? { placedAt: v.order.placed_at } : {}),
      status: v.order.status ?? 'paid',
      ...(v.order.checkout_id ? { checkoutId: v.order.checkout_id } : {}),
    },
  }));

const refundSchema = z
  .strictObject({
    ...common,
    type: z.literal('order_refunded'),
    order: z.strictObject(storeRefFields("store's order id")),
    amount: amount.optional(),
    refunded_at: timestamp.optional(),
  })
  .transform((v): RefundEvent => ({
    type: v.type,
    ...(v.event_id ? { eventId: v.event_id } : {}),
    order: storeRef(v.order),
    ...(v.amount !== undefined ? { amount: v.amount } : {}),
    ...(v.refunded_at ? { refundedAt: v.refunded_at } : {}),
  }));

/** The properties of a custom event: what a flow's `where`, `key` and branches read. */
export const MAX_TRACK_PROPERTIES_BYTES = 16_384;

/**
 * Names of Boomerang's own events, which a custom event may not take, and how the store sends
 * each: flows started or woken by them read what only the real event carries (a checkout's cart,
 * an order), so a custom `checkout_started` would start a journey with an empty cart that no order
 * could complete, and a custom `order_cancelled` would end the journeys of an order still paid.
 */
const OWN_EVENT_NAMES: ReadonlyMap<string, string> = new Map([
  ...EVENT_TYPES.filter((t) => t !== 'track').map((t): [string, string] => [
    t,
    `send it as {"type": "${t}", …}`,
  ]),
  // Told to a checkout's journeys when an order completes it, or the store says it is complete.
  [
    CHECKOUT_EVENTS.completed,
    'send a "checkout_updated" with "checkout.completed_at", or the order with "order.checkout_id"',
  ],
  // Told to flows when an order becomes cancelled, or is refunded in part (inbox/apply.ts).
  ['order_cancelled', 'send the order as {"type": "purchase", …} with "order.status": "cancelled"'],
  [
    'order_partially_refunded',
    'send it as {"type": "order_refunded", …} with an "amount" below the order\'s total',
  ],
]);

const trackSchema = z
  .strictObject({
    ...common,
    type: z.literal('track'),
    // The names a flow's entry and waits may use (src/domain/flows/definition.ts).
    name: z
      .string({ error: 'must be an event name such as "wishlist_added"' })
      .regex(
        /^[a-z][a-z0-9_.-]{0,62}$/,
        'must be an event name: lower-case letters, digits, "_", "." and "-", e.g. "wishlist_added"',
      )
      .superRefine((name, ctx) => {
        const howToSend = OWN_EVENT_NAMES.get(name);
        if (howToSend)
          ctx.addIssue({
            code: 'custom',
            message: `"${name}" is one of Boomerang's own events, not a custom one: ${howToSend}, or give the custom event another name`,
          });
      }),
    properties: z
      .record(z.string().min(1, 'a property name must not be empty').max(100), z.unknown(), {
        error: 'must be an object of properties',
      })
      .refine((p) => JSON.stringify(p).length <= MAX_TRACK_PROPERTIES_BYTES, {
        message: `must be at most ${MAX_TRACK_PROPERTIES_BYTES} bytes of JSON`,
      })
      .optional(),
    contact: contactSchema(false),
    occurred_at: timestamp.optional(),
  })
  .transform((v): TrackEvent => ({
    type: v.type,
    ...(v.event_id ? { eventId: v.event_id } : {}),
    name: v.name,
    properties: v.properties ?? {},
    contact: v.contact,
    ...(v.occurred_at ? { occurredAt: v.occurred_at } : {}),
  }));

/** At most this many lines in a checkout. */
export const MAX_CHECKOUT_LINE_ITEMS = 250;

const optionalText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, `must be at most ${max} characters`)
    .transform((v) => v.trim() || undefined)
    .optional();

const webUrl = z
  .string({ error: 'must be an http(s) URL' })
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .regex(/^https?:\/\/[^/?#\s]+\S*$/i, 'must be an http(s) URL such as https://shop.example/…')
  .optional();

const lineItemSchema = z.strictObject({
  product_id: identifier("store's product id"),
  title: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(500),
  variant: optionalText(200),
  quantity: z
    .number({ error: 'must be a whole number ≥ 1' })
    .int('must be a whole number ≥ 1')
    .min(1, 'must be a whole number ≥ 1')
    .max(100_000),
  price: amount,
  image_url: webUrl,
  product_url: webUrl,
});

const checkoutSchema = (type: 'checkout_started' | 'checkout_updated') =>
  z
    .strictObject({
      ...common,
      type: z.literal(type),
      contact: contactSchema(false).optional(),
      checkout: z.strictObject({
        ...storeRefFields("store's checkout id"),
        total: amount,
        currency: currency.optional(),
        line_items: z
          .array(lineItemSchema, { error: 'must be an array of line items' })
          .max(MAX_CHECKOUT_LINE_ITEMS, `must have at most ${MAX_CHECKOUT_LINE_ITEMS} line items`),
        recovery_url: webUrl,
        started_at: timestamp.optional(),
        completed_at: timestamp.optional(),
      }),
      occurred_at: timestamp.optional(),
    })
    .transform((v): CheckoutEvent => ({
      type: v.type,
      ...(v.event_id ? { eventId: v.event_id } : {}),
      ...(v.contact ? { contact: v.contact } : {}),
      checkout: {
        ...storeRef(v.checkout),
        total: v.checkout.total,
        ...(v.checkout.currency ? { currency: v.checkout.currency } : {}),
        lineItems: v.checkout.line_items.map((item) => ({
          productId: item.product_id,
          title: item.title,
          ...(item.variant ? { variant: item.variant } : {}),
          quantity: item.quantity,
          price: item.price,
          ...(item.image_url ? { imageUrl: item.image_url } : {}),
          ...(item.product_url ? { productUrl: item.product_url } : {}),
        })),
        ...(v.checkout.recovery_url ? { recoveryUrl: v.checkout.recovery_url } : {}),
        ...(v.checkout.started_at ? { startedAt: v.checkout.started_at } : {}),
        ...(v.checkout.completed_at ? { completedAt: v.checkout.completed_at } : {}),
      },
      ...(v.occurred_at ? { occurredAt: v.occurred_at } : {}),
    }));

const checkoutDeletedSchema = z
  .strictObject({
    ...common,
    type: z.literal('checkout_deleted'),
    checkout: z.strictObject(storeRefFields("store's checkout id")),
    occurred_at: timestamp.optional(),
  })
  .transform((v): CheckoutDeletedEvent => ({
    type: v.type,
    ...(v.event_id ? { eventId: v.event_id } : {}),
    checkout: storeRef(v.checkout),
    ...(v.occurred_at ? { occurredAt: v.occurred_at } : {}),
  }));

const SCHEMAS: Record<EventType, z.ZodType<InboxEvent>> = {
  account_registered: registrationSchema,
  purchase: purchaseSchema,
  order_refunded: refundSchema,
  track: trackSchema,
  checkout_started: checkoutSchema('checkout_started'),
  checkout_updated: checkoutSchema('checkout_updated'),
  checkout_deleted: checkoutDeletedSchema,
};

// ---------------------------------------------------------------------------------------------
// Validation

/** Plain words for zod's built-in messages (schema-specific messages win over these). */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type')
    return issue.input === undefined
      ? 'is required'
      : `must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`;
  return undefined;
}

function problemsOf(error: z.ZodError, prefix: readonly PropertyKey[]): EventProblem[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...prefix, ...issue.path, key]),
        message: 'is not a known field',
      }));
    }
    return [{ path: formatPath([...prefix, ...issue.path]) || '(event)', message: issue.message }];
  });
}

/**
 * Where each type of event has times from the store's clock. Read from the body as sent, so that
 * a time too far ahead is named in the same answer as the event's other problems.
 */
const STORE_TIMES: Record<EventType, readonly (readonly string[])[]> = {
  account_registered: [['registered_at'], ['occurred_at']],
  purchase: [['order', 'placed_at']],
  order_refunded: [['refunded_at']],
  track: [['occurred_at']],
  checkout_started: [['checkout', 'started_at'], ['checkout', 'completed_at'], ['occurred_at']],
  checkout_updated: [['checkout', 'started_at'], ['checkout', 'completed_at'], ['occurred_at']],
  checkout_deleted: [['occurred_at']],
};

/**
 * Times later than the receipt plus the tolerance. Refused rather than clamped: the store learns at
 * once that its clock (or its data) is wrong, and a consent time far ahead would make every later
 * consent change look stale.
 */
function futureProblems(
  raw: Record<string, unknown>,
  type: EventType,
  prefix: readonly PropertyKey[],
  clock: ReceiptClock,
): EventProblem[] {
  return STORE_TIMES[type].flatMap((path) => {
    const value = path.reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), raw);
    // A time that is not one is the schema's problem.
    const at = typeof value === 'string' ? parseIsoTimestamp(value) : null;
    const message = at ? aheadOfClock(at, clock) : undefined;
    return message ? [{ path: formatPath([...prefix, ...path]), message }] : [];
  });
}

/**
 * Validates one event (at `prefix` in the body, for the problem paths). With `clock`, its times
 * may not be later than the receipt plus the tolerance (an event stored before is not checked again).
 */
export function validateEvent(
  raw: unknown,
  prefix: readonly PropertyKey[] = [],
  clock?: ReceiptClock,
): { ok: true; event: InboxEvent } | { ok: false; problems: EventProblem[] } {
  if (!isObject(raw))
    return {
      ok: false,
      problems: [
        { path: formatPath(prefix) || '(body)', message: 'an event must be a JSON object' },
      ],
    };
  // Before the schema: Postgres refuses such text, and the problem is best named as it is.
  const textProblems = findTextProblems(raw, prefix);
  if (textProblems.length) return { ok: false, problems: textProblems };
  const type = raw.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      problems: [
        {
          path: formatPath([...prefix, 'type']),
          message: `${type === undefined ? 'is required' : `${JSON.stringify(type)} is not an event type`}; use one of ${EVENT_TYPES.join(', ')}`,
        },
      ],
    };
  }
  const parsed = SCHEMAS[type as EventType].safeParse(raw, { error: defaultMessage });
  // Checked whatever the schema says: one answer names every bad field.
  const future = clock ? futureProblems(raw, type as EventType, prefix, clock) : [];
  if (!parsed.success)
    return { ok: false, problems: [...problemsOf(parsed.error, prefix), ...future] };
  return future.length ? { ok: false, problems: future } : { ok: true, event: parsed.data };
}

/** `{"events": [ … ]}` rather than a single event. */
export function isBatchBody(body: unknown): body is { events: unknown } {
  return isObject(body) && 'events' in body && !('type' in body);
}

/**
 * A request body: one event, or `{"events": [ … ]}`, received now (`clock`). Every event must be
 * valid for any to be accepted; the problems name each bad field by its path.
 */
export function validateEventsBody(
  body: unknown,
  clock: ReceiptClock = receiptClockNow(),
): EventsValidation {
  const list: { raw: unknown; prefix: PropertyKey[] }[] = [];
  if (isBatchBody(body)) {
    const others = Object.keys(body).filter((k) => k !== 'events');
    if (others.length)
      return {
        ok: false,
        problems: others.map((k) => ({
          path: k,
          message: 'is not a known field (a batch is {"events": [ … ]})',
        })),
      };
    if (!Array.isArray(body.events))
      return { ok: false, problems: [{ path: 'events', message: 'must be an array of events' }] };
    if (body.events.length === 0)
      return {
        ok: false,
        problems: [{ path: 'events', message: 'must contain at least one event' }],
      };
    if (body.events.length > MAX_BATCH_EVENTS)
      return {
        ok: false,
        problems: [
          {
            path: 'events',
            message: `must contain at most ${MAX_BATCH_EVENTS} events (got ${body.events.length})`,
          },
        ],
      };
    body.events.forEach((raw, i) => list.push({ raw, prefix: ['events', i] }));
  } else {
    list.push({ raw: body, prefix: [] });
  }
  const problems: EventProblem[] = [];
  const events: { wire: Record<string, unknown>; event: InboxEvent }[] = [];
  for (const { raw, prefix } of list) {
    const result = validateEvent(raw, prefix, clock);
    if (result.ok) events.push({ wire: raw as Record<string, unknown>, event: result.event });
    else problems.push(...result.problems);
  }
  return problems.length ? { ok: false, problems } : { ok: true, events, batch: isBatchBody(body) };
}

/** The event stored in the inbox, parsed again for processing. Throws InvalidEventError. */
export function parseStoredEvent(payload: unknown): InboxEvent {
  const result = validateEvent(payload);
  if (!result.ok) throw new InvalidEventError(result.problems);
  return result.event;
}

export class InvalidEventError extends Error {
  constructor(readonly problems: EventProblem[]) {
    super(`invalid event: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
