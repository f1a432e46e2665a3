/**
 * Row types of every table and the Database type that joins them (kysely's habit).
 * Keep in step with migrations/. Column names stay snake_case here; mappers in the repositories
 * turn rows into domain objects.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** bigserial ids come back as numbers (see the type parser in database.ts). */
export type BigId = ColumnType<number, number | undefined, number>;
export type Json<T = unknown> = ColumnType<T, T | string, T | string>;
/** A JSON column with a database default: an insert may leave it out. */
export type JsonWithDefault<T> = ColumnType<T, T | string | undefined, T | string>;

/** The walking skeleton's side effect: one row per greeting step, keyed for idempotency. */
export interface GreetingsTable {
  id: Generated<string>;
  idempotency_key: string;
  workflow_id: string;
  name: string;
  message: string;
  created_at: Timestamp;
}

export type NewsletterStatus = 'subscribed' | 'unsubscribed' | 'never';

export interface ContactsTable {
  id: Generated<number>;
  external_id: string | null;
  email: string | null;
  /** E.164, enforced by a check constraint. */
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  locale: string | null;
  /** IANA time zone, e.g. Europe/Madrid. */
  timezone: string | null;
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  newsletter_status: ColumnType<NewsletterStatus, NewsletterStatus | undefined, NewsletterStatus>;
  newsletter_subscribed_at: NullableTimestamp;
  newsletter_unsubscribed_at: NullableTimestamp;
  /** When a source last stated the newsletter consent; older statements are ignored. */
  newsletter_consent_at: NullableTimestamp;
  sms_consent: ColumnType<boolean, boolean | undefined, boolean>;
  sms_consent_at: NullableTimestamp;
  registered_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type OrderStatus = 'paid' | 'cancelled' | 'refunded';

export interface OrdersTable {
  id: Generated<number>;
  source: ColumnType<string, string | undefined, string>;
  external_id: string;
  contact_id: number;
  placed_at: Timestamp;
  /** NUMERIC(14,2), parsed to a number. */
  total: number;
  currency: string;
  coupon_code: string | null;
  status: ColumnType<OrderStatus, OrderStatus | undefined, OrderStatus>;
  /** The store's id of the checkout this order completes (matched within the same source). */
  checkout_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A partial refund of an order that flows were told of (src/db/orders.ts). */
export interface PartialRefundsTable {
  order_id: number;
  refunded_at: Timestamp;
  /** NUMERIC(14,2), parsed to a number. */
  amount: number;
  received_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ModelFitsTable {
  id: Generated<number>;
  model: 'bgnbd' | 'gamma_gamma';
  parameters: Json<Record<string, number>>;
  sample_size: number;
  log_likelihood: number | null;
  converged: boolean;
  time_unit: string;
  fitted_at: Timestamp;
}

export interface ContactIndicatorsTable {
  contact_id: number;
  orders_count: number;
  total_spent: number;
  first_order_at: NullableTimestamp;
  last_order_at: NullableTimestamp;
  frequency: number;
  recency_days: number;
  age_days: number;
  monetary_value: number;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_segment: string | null;
  probability_alive: number | null;
  forecast_purchases_12m: number | null;
  expected_order_value: number | null;
  clv_12m: number | null;
  bgnbd_fit_id: number | null;
  gamma_gamma_fit_id: number | null;
  computed_at: Timestamp;
}

/** Work table of the recompute (unlogged): per-contact summaries before publication. */
export interface ContactSummaryStagingTable {
  contact_id: number;
  orders_count: number;
  total_spent: number;
  first_order_at: Timestamp;
  last_order_at: Timestamp;
  frequency: number;
  recency_days: number;
  age_days: number;
  monetary_value: number;
  r_score: number;
  f_score: number;
  m_score: number;
  rfm_segment: string;
}

/** Work table of the recompute (unlogged): the distinct (x, t_x, T) of the staging table. */
export interface IndicatorModelGridTable {
  frequency: number;
  recency_days: number;
  age_days: number;
}

/** Work table of the recompute (unlogged): BG/NBD outputs per grid row. */
export interface IndicatorModelOutputsTable {
  frequency: number;
  recency_days: number;
  age_days: number;
  probability_alive: number | null;
  forecast_purchases: number | null;
}

export interface SegmentsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  definition: Json;
  preset: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SegmentMembershipsTable {
  id: Generated<number>;
  segment_id: number;
  contact_id: number;
  entered_at: Timestamp;
  exited_at: NullableTimestamp;
}

export type CampaignStatus = 'active' | 'paused' | 'stopped';

export interface CampaignsTable {
  id: string;
  /** The campaign's kind (src/campaigns/kinds); the database does not list them. */
  kind: string;
  name: string;
  definition: Json;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  /** The latest version of the definition (campaign_versions keeps every one). */
  version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** What running journeys do when a campaign's definition changes. */
export type RunningJourneysChoice = 'keep' | 'adopt';

export interface CampaignVersionsTable {
  campaign_id: string;
  version: number;
  definition: Json;
  running_journeys: ColumnType<RunningJourneysChoice, RunningJourneysChoice | undefined, never>;
  created_at: Timestamp;
}

export interface CouponSetsTable {
  id: string;
  name: string;
  description: string | null;
  low_stock_threshold: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
}

export interface CouponsTable {
  id: Generated<number>;
  set_id: string;
  code: string;
  expires_at: NullableTimestamp;
  contact_id: number | null;
  assignment_key: string | null;
  assigned_at: NullableTimestamp;
  redeemed_order_id: number | null;
  redeemed_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A channel adapter's name (src/channels/registry.ts lists the built-in ones). */
export type Channel = string;

export interface MessagesTable {
  id: Generated<number>;
  idempotency_key: string;
  channel: Channel;
  provider: string;
  status: 'sending' | 'sent' | 'failed';
  contact_id: number;
  campaign_id: string | null;
  workflow_id: string | null;
  template: string | null;
  to_address: string;
  subject: string | null;
  html: string | null;
  text: string;
  headers: JsonWithDefault<Record<string, string>>;
  provider_message_id: string | null;
  error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
  /** The batch the email went out in; null while it waits (and for SMS). */
  batch_id: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface MessageBatchesTable {
  id: Generated<number>;
  channel: Channel;
  provider: string;
  /** Sent as the provider's Idempotency-Key on every attempt at this batch. */
  idempotency_key: string;
  status: 'sending' | 'sent' | 'failed';
  size: number;
  attempts: ColumnType<number, number | undefined, number>;
  /** A sender works on the batch until then; past it, another sender retries it. */
  leased_until: Timestamp;
  created_at: Timestamp;
  finished_at: NullableTimestamp;
  error: string | null;
}

export interface ProviderRateLimitsTable {
  channel: string;
  next_slot_at: Timestamp;
  paused_until: Timestamp;
  factor: ColumnType<number, number | undefined, number>;
}

export interface JourneysTable {
  workflow_id: string;
  campaign_id: string;
  contact_id: number;
  holdout: ColumnType<boolean, boolean | undefined, boolean>;
  enrolled_at: Timestamp;
  ended_at: NullableTimestamp;
  end_reason: string | null;
  /** The definition version of the journey's latest step. */
  definition_version: ColumnType<number, number | undefined, number>;
  /** end_reason 'failed': the error that ended the workflow. */
  failure: ColumnType<string | null, string | null | undefined, string | null>;
  /** The workflow run that recorded the end itself; null when settled from Temporal. */
  ended_by_run: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A journey an applied event enrolled, waiting for a starter (src/db/start-queue.ts). */
export interface JourneyStartsTable {
  workflow_id: string;
  campaign_id: string;
  definition_version: number;
  contact_id: number;
  holdout: boolean;
  entry_event: ColumnType<unknown, string | null, string | null>;
  enqueued_at: ColumnType<Date, Date | undefined, Date>;
  due_at: ColumnType<Date, Date | undefined, Date>;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  parked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface JourneyEventsTable {
  id: Generated<number>;
  idempotency_key: string;
  workflow_id: string;
  campaign_id: string;
  contact_id: number;
  type: string;
  step: string | null;
  detail: JsonWithDefault<Record<string, unknown>>;
  occurred_at: Timestamp;
}

export interface InboxEventsTable {
  id: Generated<number>;
  source: string;
  dedupe_key: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  received_at: Timestamp;
  processed_at: NullableTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  /** Failed too often: kept with its reason, not retried until `boomerang inbox retry`. */
  parked_at: NullableTimestamp;
}

/** One thing a provider said about a message or an address (a delivery, a bounce, a STOP reply). */
export interface MessageFeedbackTable {
  id: Generated<number>;
  provider: string;
  /** Unique per provider event, so a webhook delivered twice is recorded once. */
  event_key: string;
  channel: string;
  type: string;
  address: string | null;
  provider_message_id: string | null;
  message_id: number | null;
  detail: JsonWithDefault<Record<string, unknown>>;
  occurred_at: Timestamp;
  received_at: Timestamp;
}

/** An address no marketing message may go to; in force while lifted_at is null. */
export interface SuppressionsTable {
  id: Generated<number>;
  channel: string;
  address: string;
  reason: string;
  source: string;
  detail: JsonWithDefault<Record<string, unknown>>;
  created_at: Timestamp;
  lifted_at: NullableTimestamp;
  lifted_reason: string | null;
}

/** A custom event of a contact's (`POST /events` type "track"). */
export interface ContactEventsTable {
  id: Generated<string>;
  contact_id: number;
  name: string;
  properties: ColumnType<Record<string, unknown>, string, string>;
  occurred_at: Timestamp;
  received_at: ColumnType<Date, Date | undefined, Date>;
}

/** A checkout the store reported, with the latest state it stated (src/db/checkouts.ts). */
export interface CheckoutsTable {
  id: Generated<number>;
  source: string;
  /** The store's checkout id (Shopify: the checkout's token). */
  external_id: string;
  contact_id: number | null;
  email: string | null;
  currency: string;
  /** NUMERIC(14,2), parsed to a number. */
  total: number;
  line_items: JsonWithDefault<unknown[]>;
  recovery_url: string | null;
  started_at: Timestamp;
  /** The store's time of the state kept. */
  updated_at: Timestamp;
  completed_at: NullableTimestamp;
  deleted_at: NullableTimestamp;
  /** The order that completed it. */
  order_id: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: ColumnType<Date, Date | undefined, Date>;
  received_at: ColumnType<Date, Date | undefined, Date>;
}

export interface Database {
  greetings: GreetingsTable;
  contacts: ContactsTable;
  orders: OrdersTable;
  partial_refunds: PartialRefundsTable;
  model_fits: ModelFitsTable;
  contact_indicators: ContactIndicatorsTable;
  contact_summary_staging: ContactSummaryStagingTable;
  indicator_model_grid: IndicatorModelGridTable;
  indicator_model_outputs: IndicatorModelOutputsTable;
  segments: SegmentsTable;
  segment_memberships: SegmentMembershipsTable;
  campaigns: CampaignsTable;
  campaign_versions: CampaignVersionsTable;
  coupon_sets: CouponSetsTable;
  coupons: CouponsTable;
  messages: MessagesTable;
  message_batches: MessageBatchesTable;
  provider_rate_limits: ProviderRateLimitsTable;
  journeys: JourneysTable;
  journey_events: JourneyEventsTable;
  journey_starts: JourneyStartsTable;
  inbox_events: InboxEventsTable;
  message_feedback: MessageFeedbackTable;
  suppressions: SuppressionsTable;
  contact_events: ContactEventsTable;
  checkouts: CheckoutsTable;
}

export type ContactRow = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type OrderRow = Selectable<OrdersTable>;
export type CheckoutRow = Selectable<CheckoutsTable>;
export type SegmentRow = Selectable<SegmentsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type MessageBatchRow = Selectable<MessageBatchesTable>;
export type JourneyRow = Selectable<JourneysTable>;
export type InboxEventRow = Selectable<InboxEventsTable>;
export type MessageFeedbackRow = Selectable<MessageFeedbackTable>;
export type SuppressionRow = Selectable<SuppressionsTable>;
