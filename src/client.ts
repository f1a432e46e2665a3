/**
 * The Boomerang client: what a shop's own Node code (and the `boomerang` CLI) uses to launch and
 * stop campaigns, record the store's events and purchases, and trace a contact's journeys.
 *
 *   const boomerang = createBoomerangClient();
 *   await boomerang.recordPurchase({ email: 'ada@example.com', orderId: '1001', total: 42 });
 *   await boomerang.close();
 *
 * By default it reads the same environment as the CLI (see the README's configuration table) and,
 * where DATABASE_URL or TEMPORAL_ADDRESS are unset, finds the running `npm start` stack. The
 * database and the Temporal connection are opened on first use and closed by `close()`.
 */
import type { Client } from '@temporalio/client';
import { type Config, loadConfig } from './config.js';
import type { Contact } from './domain/contacts.js';
import type { EventProblem, EventType } from './inbox/events.js';
import type { InboxSource } from './inbox/store.js';
import { withRunningStack } from './provision/local-state.js';
import { launchWarnings } from './campaigns/coupon-pools.js';
import {
  launchableCampaign,
  type LaunchOptions as CampaignLaunchOptions,
  type LaunchOutcome,
  startLaunch,
  stopCampaign,
  type StopOutcome,
} from './campaigns/enrolment.js';
import {
  findContact,
  type JourneyTrace,
  storeReferenceOf,
  traceContact,
  traceContactFromDatabase,
} from './services/contacts.js';
import { type Db, openDatabase } from './services/database.js';
import { InvalidEventError, recordEvent, type RecordedEvent } from './services/events.js';
import { connectClient, isTemporalUnreachable } from './temporal/connection.js';
import { InFlightCalls } from './temporal/in-flight.js';

export { CampaignNotLaunchableError } from './campaigns/enrolment.js';
export type { StopOutcome as StoppedCampaign } from './campaigns/enrolment.js';
export type { LaunchProgress } from './campaigns/launch-contract.js';
export type { JourneyTrace } from './services/contacts.js';
export { InvalidEventError, type RecordedEvent } from './services/events.js';

/** A store event as `POST /events` takes it, e.g. `{ type: 'account_registered', contact: { email } }`. */
export interface StoreEvent {
  type: EventType;
  /** The store's id of the event: a repeat is stored and applied once. */
  event_id?: string | number;
  [field: string]: unknown;
}

/** An order, for `recordPurchase`. Say who bought with one of email, externalId or contactId. */
export interface Purchase {
  email?: string;
  /** The buyer's customer id in the shop. */
  externalId?: string;
  /** The buyer's Boomerang contact id (alone: not with email or externalId). */
  contactId?: number;
  orderId: string;
  /** e.g. 12.5 (or "12.50", as the store may send it). */
  total: number | string;
  /** ISO 4217; default SHOP_CURRENCY. */
  currency?: string;
  couponCode?: string;
  /** Default: when the event is received, for a new order; an order already stored keeps its time. */
  placedAt?: Date | string;
  /** Default paid. */
  status?: 'paid' | 'cancelled' | 'refunded';
  eventId?: string;
}

/**
 * Where each field of the purchase event comes from in `recordPurchase`'s argument, so that its
 * problems name the caller's own fields (`orderId`, not `order.id`). With a contactId the contact
 * is the stored one's, and its problems are the contactId's.
 */
const PURCHASE_FIELD_OF: Record<string, string> = {
  event_id: 'eventId',
  'contact.email': 'email',
  'contact.external_id': 'externalId',
  'order.id': 'orderId',
  'order.total': 'total',
  'order.currency': 'currency',
  'order.coupon_code': 'couponCode',
  'order.placed_at': 'placedAt',
  'order.status': 'status',
};

/**
 * The problem of a purchase whose contact names nobody (no email, no externalId): the event's
 * contact gate says it in the event's names (`external_id or email`), the caller used these.
 */
const NO_BUYER = 'email, externalId or contactId is required to identify the buyer';

/** Restates the problems by `restate` (the event's problem to the method's caller's). */
async function namingFields<T>(
  restate: (problem: EventProblem) => EventProblem,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    throw new InvalidEventError(err.problems.map(restate));
  }
}

/**
 * Contacts per batch (default 500), whether to wait for the end (default true), progress hooks, and
 * `onWarnings`, told before the launch starts what it should warn of (its empty coupon pools).
 */
export type LaunchOptions = CampaignLaunchOptions & { onWarnings?: (warnings: string[]) => void };

/** The launch: its workflow, its Web UI link, and how it ended (absent with `wait: false`). */
export type LaunchResult = LaunchOutcome;

/** No contact has this id, external id or email. */
export class UnknownContactError extends Error {
  override name = 'UnknownContactError';
  constructor(readonly key: string | number) {
    super(
      typeof key === 'number'
        ? `no contact has id ${key}`
        : `no contact with id, external id or email "${key}"`,
    );
  }
}

export interface BoomerangClientOptions {
  /** Default: the environment (loadConfig), with the running `npm start` stack filled in. */
  config?: Config;
  /** A database to use instead of opening one from the config; `close()` leaves it open. */
  db?: Db;
  /** A Temporal client to use instead of connecting; `close()` leaves its connection open. */
  temporal?: Client;
  /** Connections of the database pool the client opens (default 4). */
  databasePoolSize?: number;
  /** Where recorded events say they came from: `api` (default, as POST /events) or `cli`. */
  eventSource?: InboxSource;
}

/** The configuration the CLI and the client use by default. */
export function defaultConfig(): Config {
  // With `npm start` up on its defaults, its database and Temporal, without exporting anything.
  return withRunningStack(loadConfig());
}

export class BoomerangClient {
  readonly config: Config;
  private database: Db | undefined;
  private connecting: Promise<Client> | undefined;
  private readonly inFlight = new InFlightCalls();

  constructor(private readonly options: BoomerangClientOptions = {}) {
    this.config = options.config ?? defaultConfig();
    this.database = options.db;
    if (options.temporal) this.connecting = Promise.resolve(options.temporal);
  }

  /** The database, opened on first use. Throws DatabaseNotConfiguredError. */
  db(): Db {
    this.database ??= openDatabase(this.config, { max: this.options.databasePoolSize ?? 4 });
    return this.database;
  }

  /** The Temporal client, connected on first use (a failed attempt is tried again next time). */
  temporal(): Promise<Client> {
    this.connecting ??= connectClient(this.config, { inFlight: this.inFlight }).catch(
      (err: unknown) => {
        this.connecting = undefined;
        throw err;
      },
    );
    return this.connecting;
  }

  /**
   * Enrols the audience of a low-CLV campaign ("All existing" contacts); re-launching never enrols
   * a contact twice. Throws UnknownCampaignError or CampaignNotLaunchableError.
   */
  async launchCampaign(campaignId: string, opts: LaunchOptions = {}): Promise<LaunchResult> {
    // Refused before connecting: a campaign that cannot be launched says so with Temporal down.
    const campaign = await launchableCampaign(this.db(), campaignId);
    if (opts.onWarnings) opts.onWarnings(await launchWarnings(this.db(), campaign.definition));
    return startLaunch(this.deps(await this.temporal()), campaign, opts);
  }

  /**
   * Stops a campaign: no new enrolments, and each running journey ends ("campaign_stopped").
   * Throws UnknownCampaignError.
   */
  async stopCampaign(campaignId: string, opts: { reason?: string } = {}): Promise<StopOutcome> {
    return stopCampaign(this.deps(await this.temporal()), { campaignId, ...opts });
  }

  /**
   * Stores a store event in the inbox and applies it now, as `POST /events` then the inbox
   * processor do; an event that cannot be applied now stays pending for the running HTTP
   * endpoint's processor. Throws InvalidEventError naming each field at fault.
   */
  async recordEvent(event: StoreEvent): Promise<RecordedEvent> {
    return recordEvent(
      {
        db: this.db(),
        temporal: () => this.temporal(),
        taskQueue: this.config.temporal.taskQueue,
        defaultCurrency: this.config.shop.currency,
        clockToleranceSeconds: this.config.eventClockToleranceSeconds,
      },
      event,
      this.options.eventSource ?? 'api',
    );
  }

  /**
   * Records an order (once per order id) and tells the buyer's running journeys about the
   * purchase. Throws UnknownContactError (a contactId of no contact) or InvalidEventError, whose
   * problems name the purchase's fields (`orderId`, `total`, …).
   */
  async recordPurchase(purchase: Purchase): Promise<RecordedEvent> {
    let contact: Record<string, unknown>;
    if (purchase.contactId !== undefined) {
      if (purchase.email !== undefined || purchase.externalId !== undefined)
        throw new Error('contactId names the buyer alone: leave out email and externalId');
      const reference = await storeReferenceOf(this.db(), purchase.contactId);
      if (!reference) throw new UnknownContactError(purchase.contactId);
      contact = reference;
    } else contact = defined({ email: purchase.email, external_id: purchase.externalId });
    const { placedAt } = purchase;
    const byContactId = purchase.contactId !== undefined;
    const restate = ({ path, message }: EventProblem): EventProblem => {
      if (byContactId && (path === 'contact' || path.startsWith('contact.')))
        return { path: 'contactId', message };
      // The contact as a whole, which this method builds, is at fault only when it names nobody.
      if (path === 'contact') return { path: 'email', message: NO_BUYER };
      return { path: PURCHASE_FIELD_OF[path] ?? path, message };
    };
    return namingFields(restate, () =>
      this.recordEvent(
        defined({
          type: 'purchase',
          event_id: purchase.eventId,
          contact,
          order: defined({
            id: purchase.orderId,
            total: purchase.total,
            currency: purchase.currency,
            coupon_code: purchase.couponCode,
            placed_at: placedAt instanceof Date ? placedAt.toISOString() : placedAt,
            status: purchase.status,
          }),
        }) as StoreEvent,
      ),
    );
  }

  /**
   * The contact (by id, external id or email) and every journey it is on or was on, newest first:
   * campaign, status, current step, next wake-up, why it ended, Web UI link. When Temporal does not
   * answer, the journeys as Postgres recorded them (traceContactFromDatabase), with
   * `temporalUnreachable` saying why. Throws UnknownContactError.
   */
  async traceContact(
    contactIdOrEmail: number | string,
  ): Promise<{ contact: Contact; journeys: JourneyTrace[]; temporalUnreachable?: string }> {
    const contact = await findContact(this.db(), contactIdOrEmail);
    if (!contact) throw new UnknownContactError(contactIdOrEmail);
    try {
      const journeys = await traceContact(
        { db: this.db(), temporal: await this.temporal(), config: this.config },
        contact.id,
      );
      return { contact, journeys };
    } catch (err) {
      if (!isTemporalUnreachable(err)) throw err;
      // An outage is when an operator most wants to see a journey: Postgres has what it recorded.
      const journeys = await traceContactFromDatabase(
        { db: this.db(), config: this.config },
        contact.id,
      );
      return { contact, journeys, temporalUnreachable: (err as Error).message };
    }
  }

  /**
   * Closes what the client opened, after the calls still in flight (a progress query, a retry)
   * settle: closing a connection under a pending retry would throw from the SDK's timer.
   */
  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting && !this.options.temporal) {
      const client = await connecting.catch(() => undefined);
      if (client) {
        await this.inFlight.settled();
        await client.connection.close();
      }
    }
    if (!this.options.db) await this.database?.destroy();
    this.database = undefined;
  }

  private deps(temporal: Client) {
    return { db: this.db(), client: temporal, config: this.config };
  }
}

/** Only the fields given, so an absent one leaves the contact's data as it is. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A client on the configured (or running local) Boomerang; close it when done. */
export function createBoomerangClient(options: BoomerangClientOptions = {}): BoomerangClient {
  return new BoomerangClient(options);
}
