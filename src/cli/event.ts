/**
 * `boomerang event register|purchase|refund|track`: send the store's events by hand, through the
 * client's recordEvent and recordPurchase. The event takes the same path as one posted to
 * `POST /events`: validated and stored in the inbox by the same accept function, then applied at
 * once by the inbox processor's code. If it cannot be applied now (Temporal down), it stays in the inbox and the
 * HTTP endpoint's processor applies it later.
 */
import type { Command } from 'commander';
import {
  InvalidEventError,
  type Purchase,
  type RecordedEvent,
  type StoreEvent,
} from '../client.js';
import { describeResult, startedJourneys } from '../inbox/apply.js';
import { workflowUiUrl } from '../config.js';
import { storeReferenceOf } from '../services/contacts.js';
import { CliError, type CliContext, printJson } from './context.js';

/** The option that sets each field of the registration event, to name it in problems. */
const REGISTER_FLAG_OF: Record<string, string> = {
  event_id: '--event-id',
  registered_at: '--registered-at',
  'contact.email': '--email',
  'contact.external_id': '--external-id',
  'contact.first_name': '--first-name',
  'contact.last_name': '--last-name',
  'contact.phone': '--phone',
  'contact.locale': '--locale',
  'contact.timezone': '--timezone',
  'contact.country': '--country',
  'contact.newsletter': '--newsletter',
  'contact.sms_consent': '--sms-consent',
};

/** The option that sets each field of recordPurchase's argument, as its problems name them. */
const PURCHASE_FLAG_OF: Record<keyof Purchase, string> = {
  eventId: '--event-id',
  email: '--email',
  externalId: '--external-id',
  contactId: '--contact-id',
  orderId: '--order-id',
  total: '--total',
  currency: '--currency',
  couponCode: '--coupon',
  placedAt: '--placed-at',
  status: '--status',
};

/** The option that sets each field of the refund event. */
const REFUND_FLAG_OF: Record<string, string> = {
  event_id: '--event-id',
  'order.id': '--order-id',
  'order.source': '--source',
  amount: '--amount',
  refunded_at: '--refunded-at',
};

/** The option that sets each field of the custom event; every property is a `--property`. */
const TRACK_FLAG_OF: Record<string, string> = {
  event_id: '--event-id',
  name: '--name',
  properties: '--property',
  'contact.email': '--email',
  'contact.external_id': '--external-id',
  occurred_at: '--occurred-at',
};

/** Only the options given, so an absent one leaves the contact's data as it is. */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

interface CommonOptions {
  eventId?: string;
  json?: boolean;
}

interface RegisterOptions extends CommonOptions {
  email: string;
  externalId?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  locale?: string;
  timezone?: string;
  country?: string;
  newsletter?: string;
  smsConsent?: boolean;
  registeredAt?: string;
}

/** Who the event is about: one of these names the contact. */
interface ContactOptions {
  email?: string;
  contactId?: string;
  externalId?: string;
}

interface PurchaseOptions extends CommonOptions, ContactOptions {
  orderId: string;
  total: string;
  currency?: string;
  coupon?: string;
  placedAt?: string;
  status?: string;
}

interface RefundOptions extends CommonOptions {
  orderId: string;
  source?: string;
  amount?: string;
  refundedAt?: string;
}

interface TrackOptions extends CommonOptions, ContactOptions {
  name: string;
  property: string[];
  occurredAt?: string;
}

/** A number when the text is one, else the text, for the event's check to refuse by name. */
const numberOrText = (v: string): number | string =>
  v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;

/**
 * Checks that the options name the contact, `who` saying what to give; a `--contact-id` alone.
 * A blank option names nobody either (the client would name its own fields, not options).
 */
function checkContactOptions(opts: ContactOptions, who: string): void {
  const given = [opts.email, opts.contactId, opts.externalId].filter((v) => v !== undefined);
  if (!given.some((v) => v.trim() !== ''))
    throw new CliError(`${who}: --email, --contact-id or --external-id`, 2);
  if (opts.contactId !== undefined && given.length > 1)
    throw new CliError(
      '--contact-id names the contact alone: leave out --email and --external-id',
      2,
    );
  if (opts.contactId !== undefined && !/^[1-9][0-9]{0,15}$/.test(opts.contactId))
    throw new CliError(
      `--contact-id: "${opts.contactId}" is not a contact id (a positive whole number)`,
      2,
    );
}

/** `--property key=value` as a property: the value is JSON when it parses (12, true), else text. */
function parseProperties(given: string[]): Record<string, unknown> {
  return Object.fromEntries(
    given.map((p) => {
      const at = p.indexOf('=');
      if (at < 1)
        throw new CliError(`--property: "${p}" is not key=value (e.g. product_id=632910392)`, 2);
      const value = p.slice(at + 1);
      try {
        return [p.slice(0, at), JSON.parse(value) as unknown];
      } catch {
        return [p.slice(0, at), value];
      }
    }),
  );
}

/** The option of a problem's field, or of the nearest field holding it (`properties.size`). */
function flagFor(flagOf: Record<string, string>, path: string): string {
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '')
    if (Object.hasOwn(flagOf, p)) return flagOf[p]!;
  return path;
}

/**
 * Records the event through the client (stored in the inbox, applied now) and says what happened,
 * with a Web UI link to each journey it started.
 */
async function report(
  ctx: CliContext,
  record: () => Promise<RecordedEvent>,
  flagOf: Record<string, string>,
  json: boolean | undefined,
): Promise<void> {
  let recorded: RecordedEvent;
  try {
    recorded = await record();
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    throw new CliError(
      `invalid event:\n${err.problems.map((p) => `  ${flagFor(flagOf, p.path)}: ${p.message}`).join('\n')}`,
      2,
    );
  }
  const id = recorded.inboxEventId;
  switch (recorded.status) {
    case 'already_processed':
    case 'already_rejected': {
      const rejected = recorded.status === 'already_rejected';
      if (rejected) process.exitCode = 1;
      if (json)
        return printJson({
          inboxEventId: id,
          duplicate: true,
          status: rejected ? 'rejected' : 'already_processed',
          processedAt: recorded.processedAt,
          error: recorded.error,
          startedJourneys: [],
        });
      if (rejected) console.error(`already received as inbox event ${id}, and ${recorded.error}`);
      else
        console.log(
          `already received as inbox event ${id}, applied at ${recorded.processedAt.toISOString()}; nothing applied again`,
        );
      return;
    }
    case 'pending':
      process.exitCode = 1;
      if (json)
        return printJson({
          inboxEventId: id,
          duplicate: recorded.duplicate,
          status: 'pending',
          error: recorded.error,
          startedJourneys: [],
        });
      console.error(`stored as inbox event ${id}, but not applied yet: ${recorded.error}`);
      console.error(
        "the HTTP endpoint's inbox processor (npm start) applies it once it can; or run this command again",
      );
      return;
  }
  if (recorded.status !== 'applied') process.exitCode = 1;
  const started = (recorded.result ? startedJourneys(recorded.result) : []).map((j) => ({
    campaignId: j.campaignId,
    workflowId: j.workflowId,
    url: workflowUiUrl(ctx.config, j.workflowId),
  }));
  if (json)
    return printJson({
      inboxEventId: id,
      duplicate: recorded.duplicate,
      status: recorded.status,
      result: recorded.result,
      error: recorded.error,
      retryAt: recorded.retryAt,
      startedJourneys: started,
    });
  switch (recorded.status) {
    case 'applied':
      console.log(`inbox event ${id} applied: ${describeResult(recorded.result!)}`);
      for (const j of started) console.log(`  journey ${j.workflowId}: ${j.url}`);
      return;
    case 'rejected':
      console.error(`inbox event ${id} rejected: ${recorded.error}`);
      return;
    case 'parked':
      console.error(`inbox event ${id} ${recorded.error}`);
      process.exitCode = 1;
      return;
    case 'failed':
      console.error(`stored as inbox event ${id}, but not applied yet: ${recorded.error}`);
      console.error(
        "the HTTP endpoint's inbox processor (npm start) retries it; or run this command again",
      );
  }
}

/** Adds the options every event command takes. */
const withEventOptions = (command: Command): Command =>
  command
    .option('--event-id <id>', "the store's id of the event: a repeat is not applied again")
    .option('--json', 'print JSON');

/** The event as `POST /events` takes it, without the fields not given. */
const storeEvent = (
  type: StoreEvent['type'],
  eventId: string | undefined,
  fields: Record<string, unknown>,
): StoreEvent => defined({ type, event_id: eventId, ...fields }) as StoreEvent;

export function registerEventCommands(program: Command, ctx: CliContext): void {
  const event = program
    .command('event')
    .description(
      'Send a store event (as POST /events does): stored in the inbox and applied at once',
    );

  withEventOptions(
    event
      .command('register')
      .description(
        "A new account: creates or updates the contact and starts the active welcome campaigns' journeys",
      )
      .requiredOption('--email <email>', 'email address')
      .option('--external-id <id>', "the shop's customer id")
      .option('--first-name <name>')
      .option('--last-name <name>')
      .option('--phone <phone>', 'international form, e.g. +34612345678')
      .option('--locale <locale>', 'e.g. fr-FR')
      .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Madrid')
      .option('--country <code>', 'ISO 3166-1 alpha-2, e.g. FR')
      .option('--newsletter <status>', 'subscribed, unsubscribed or never')
      .option('--sms-consent', 'the contact agrees to marketing SMS')
      .option('--registered-at <time>', 'ISO 8601; default now'),
  ).action(async (opts: RegisterOptions) => {
    const registration = storeEvent('account_registered', opts.eventId, {
      contact: defined({
        email: opts.email,
        external_id: opts.externalId,
        first_name: opts.firstName,
        last_name: opts.lastName,
        phone: opts.phone,
        locale: opts.locale,
        timezone: opts.timezone,
        country: opts.country,
        newsletter: opts.newsletter,
        sms_consent: opts.smsConsent,
      }),
      registered_at: opts.registeredAt,
    });
    await report(ctx, () => ctx.client.recordEvent(registration), REGISTER_FLAG_OF, opts.json);
  });

  withEventOptions(
    event
      .command('purchase')
      .description(
        "An order: records it (once per order id) and tells the contact's running journeys about the purchase",
      )
      .option('--email <email>', "the buyer's email (an unknown buyer becomes a contact)")
      .option('--contact-id <id>', "the buyer's Boomerang contact id")
      .option('--external-id <id>', "the buyer's customer id in the shop")
      .requiredOption('--order-id <id>', "the shop's order id")
      .requiredOption('--total <amount>', 'order total, e.g. 12.50')
      .option('--currency <code>', 'ISO 4217; default SHOP_CURRENCY')
      .option('--coupon <code>', 'coupon code used')
      .option(
        '--placed-at <time>',
        'ISO 8601; default: now for a new order (a stored order keeps its time)',
      )
      .option('--status <status>', 'paid (default), cancelled or refunded'),
  ).action(async (opts: PurchaseOptions) => {
    checkContactOptions(opts, 'say who bought');
    const total = numberOrText(opts.total);
    await report(
      ctx,
      () =>
        ctx.client.recordPurchase({
          eventId: opts.eventId,
          contactId: opts.contactId === undefined ? undefined : Number(opts.contactId),
          email: opts.email,
          externalId: opts.externalId,
          orderId: opts.orderId,
          total,
          currency: opts.currency,
          couponCode: opts.coupon,
          placedAt: opts.placedAt,
          // Checked with the rest of the event, as a status the store sent would be.
          status: opts.status as Purchase['status'],
        }),
      PURCHASE_FLAG_OF,
      opts.json,
    );
  });

  withEventOptions(
    event
      .command('refund')
      .description(
        'A refund: the whole order, or --amount of it (an order refunded in full becomes refunded)',
      )
      .requiredOption('--order-id <id>', "the shop's order id")
      .option('--source <source>', 'where the order came from, e.g. shopify; default api')
      .option('--amount <amount>', 'amount refunded, e.g. 10.50; default the whole order')
      .option('--refunded-at <time>', 'ISO 8601; default now'),
  ).action(async (opts: RefundOptions) => {
    const refund = storeEvent('order_refunded', opts.eventId, {
      order: defined({ id: opts.orderId, source: opts.source }),
      amount: opts.amount === undefined ? undefined : numberOrText(opts.amount),
      refunded_at: opts.refundedAt,
    });
    await report(ctx, () => ctx.client.recordEvent(refund), REFUND_FLAG_OF, opts.json);
  });

  withEventOptions(
    event
      .command('track')
      .description("A custom event of the shop's: kept for the contact, starts and wakes flows")
      .requiredOption('--name <name>', 'the event name, e.g. product_viewed')
      .option('--email <email>', "the contact's email (an unknown one becomes a contact)")
      .option('--contact-id <id>', "the contact's Boomerang contact id")
      .option('--external-id <id>', "the contact's customer id in the shop")
      .option(
        '--property <key=value>',
        'a property of the event, again for each; the value is JSON when it parses (12, true), else text',
        (p: string, all: string[]) => [...all, p],
        [],
      )
      .option('--occurred-at <time>', 'ISO 8601; default now'),
  ).action(async (opts: TrackOptions) => {
    checkContactOptions(opts, 'say whose event it is');
    const properties = parseProperties(opts.property);
    let contact: Record<string, unknown> = defined({
      email: opts.email,
      external_id: opts.externalId,
    });
    let flagOf = TRACK_FLAG_OF;
    if (opts.contactId !== undefined) {
      // The event names a contact as the store knows it: the stored contact's own reference.
      const reference = await storeReferenceOf(ctx.db(), Number(opts.contactId));
      if (!reference) throw new CliError(`--contact-id: no contact has id ${opts.contactId}`, 2);
      contact = reference;
      flagOf = { ...TRACK_FLAG_OF, contact: '--contact-id' };
      delete flagOf['contact.email'];
      delete flagOf['contact.external_id'];
    }
    const track = storeEvent('track', opts.eventId, {
      name: opts.name,
      properties,
      contact,
      occurred_at: opts.occurredAt,
    });
    await report(ctx, () => ctx.client.recordEvent(track), flagOf, opts.json);
  });
}
