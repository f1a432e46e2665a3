/**
 * The field catalogue of segment conditions: what can be filtered on, its type, and the operators
 * each type allows.
 *
 * - profile fields come from `contacts`;
 * - value indicators from `contact_indicators` (computed daily). A contact without indicators, or
 *   whose indicator is null (e.g. no model fit yet), satisfies no indicator condition except
 *   `not_exists`: `clv_12m lt 100` and `clv_12m neq 100` are both false for it;
 * - activity fields count the contact's paid orders (refunds and cancellations are not purchases),
 *   over all time or `within` the last N hours/days/weeks.
 *
 * The same rule holds for every nullable field: a comparison with a missing value is false, so
 * `country neq "FR"` leaves out contacts without a country (add `country not_exists` in an `any`
 * group to keep them).
 */
import { NEWSLETTER_STATUSES } from '../contacts.js';
import { RFM_SEGMENTS } from '../indicators/rfm.js';

export const OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'not_in',
  'contains',
  'exists',
  'not_exists',
  'before',
  'after',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type FieldType =
  'number' | 'activity' | 'enum' | 'text' | 'tags' | 'date' | 'boolean' | 'presence';
export type FieldGroup = 'profile' | 'indicator' | 'activity';

/** Operators each type of field allows. */
export const OPERATORS_BY_TYPE: Record<FieldType, readonly Operator[]> = {
  number: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'exists', 'not_exists'],
  activity: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte'],
  enum: ['eq', 'neq', 'in', 'not_in', 'exists', 'not_exists'],
  text: ['eq', 'neq', 'in', 'not_in', 'exists', 'not_exists'],
  tags: ['contains', 'in', 'not_in', 'exists', 'not_exists'],
  date: ['before', 'after', 'exists', 'not_exists'],
  boolean: ['eq', 'neq'],
  presence: ['exists', 'not_exists'],
};
export interface FieldSpec {
  readonly name: string;
  readonly group: FieldGroup;
  readonly type: FieldType;
  /** The column it reads, qualified by the alias of the segment query (c = contacts, ci = contact_indicators). */
  readonly column?: string;
  /** The allowed values of an enum field. */
  readonly values?: readonly string[];
  /** Whether the value may be missing (so exists / not_exists make sense). */
  readonly nullable: boolean;
  readonly description: string;
}

const f = (spec: FieldSpec): FieldSpec => spec;

export const FIELDS: readonly FieldSpec[] = [
  // Contact profile
  f({
    name: 'newsletter_status',
    group: 'profile',
    type: 'enum',
    column: 'c.newsletter_status',
    values: NEWSLETTER_STATUSES,
    nullable: false,
    description: 'Newsletter subscription status',
  }),
  f({
    name: 'country',
    group: 'profile',
    type: 'text',
    column: 'c.country',
    nullable: true,
    description: 'ISO 3166-1 alpha-2 country code',
  }),
  f({
    name: 'locale',
    group: 'profile',
    type: 'text',
    column: 'c.locale',
    nullable: true,
    description: 'BCP 47 locale, e.g. fr-FR',
  }),
  f({
    name: 'tags',
    group: 'profile',
    type: 'tags',
    column: 'c.tags',
    nullable: false,
    description: 'Tags of the contact',
  }),
  f({
    name: 'registered_at',
    group: 'profile',
    type: 'date',
    column: 'c.registered_at',
    nullable: true,
    description: 'When the customer registered in the shop',
  }),
  f({
    name: 'email',
    group: 'profile',
    type: 'presence',
    column: 'c.email',
    nullable: true,
    description: 'Has an email address',
  }),
  f({
    name: 'phone',
    group: 'profile',
    type: 'presence',
    column: 'c.phone',
    nullable: true,
    description: 'Has a phone number',
  }),
  f({
    name: 'sms_consent',
    group: 'profile',
    type: 'boolean',
    column: 'c.sms_consent',
    nullable: false,
    description: 'Consented to SMS',
  }),
  // Value indicators
  f({
    name: 'clv_12m',
    group: 'indicator',
    type: 'number',
    column: 'ci.clv_12m',
    nullable: true,
    description: 'Customer lifetime value over the next 12 months',
  }),
  f({
    name: 'forecast_purchases_12m',
    group: 'indicator',
    type: 'number',
    column: 'ci.forecast_purchases_12m',
    nullable: true,
    description: 'Expected number of purchases in the next 12 months',
  }),
  f({
    name: 'probability_alive',
    group: 'indicator',
    type: 'number',
    column: 'ci.probability_alive',
    nullable: true,
    description: 'Probability that the customer is still active (0–1)',
  }),
  f({
    name: 'expected_order_value',
    group: 'indicator',
    type: 'number',
    column: 'ci.expected_order_value',
    nullable: true,
    description: 'Expected value of an order',
  }),
  f({
    name: 'r_score',
    group: 'indicator',
    type: 'number',
    column: 'ci.r_score',
    nullable: true,
    description: 'RFM recency score (1–5, 5 = most recent)',
  }),
  f({
    name: 'f_score',
    group: 'indicator',
    type: 'number',
    column: 'ci.f_score',
    nullable: true,
    description: 'RFM frequency score (1–5)',
  }),
  f({
    name: 'm_score',
    group: 'indicator',
    type: 'number',
    column: 'ci.m_score',
    nullable: true,
    description: 'RFM monetary score (1–5)',
  }),
  f({
    name: 'rfm_segment',
    group: 'indicator',
    type: 'enum',
    column: 'ci.rfm_segment',
    values: RFM_SEGMENTS,
    nullable: true,
    description: 'RFM segment',
  }),
  f({
    name: 'orders_count',
    group: 'indicator',
    type: 'number',
    column: 'ci.orders_count',
    nullable: true,
    description: 'Paid orders (at the last recompute)',
  }),
  f({
    name: 'total_spent',
    group: 'indicator',
    type: 'number',
    column: 'ci.total_spent',
    nullable: true,
    description: 'Total of paid orders (at the last recompute)',
  }),
  f({
    name: 'last_order_at',
    group: 'indicator',
    type: 'date',
    column: 'ci.last_order_at',
    nullable: true,
    description: 'When the last paid order was placed (at the last recompute)',
  }),
  // Activity, live from orders
  f({
    name: 'purchases_count',
    group: 'activity',
    type: 'activity',
    nullable: false,
    description: 'Paid orders, over all time or `within` the last N hours/days',
  }),
  f({
    name: 'purchases_amount',
    group: 'activity',
    type: 'activity',
    nullable: false,
    description: 'Total of paid orders, over all time or `within` the last N hours/days',
  }),
];

const BY_NAME = new Map(FIELDS.map((s) => [s.name, s]));

export function fieldSpec(name: string): FieldSpec | undefined {
  return BY_NAME.get(name);
}

export const FIELD_NAMES: readonly string[] = FIELDS.map((s) => s.name);
