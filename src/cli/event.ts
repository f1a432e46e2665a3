/**
 * `boomerang event register|purchase`: send the store's events by hand, through the client's
 * recordEvent and recordPurchase. The event takes the same path as one posted to `POST /events`:
 * validated and stored in the inbox by the same accept function, then applied at once by the inbox
 * processor's code. If it cannot be applied now (Temporal down), it stays in the inbox and the
 * HTTP endpoint's processor applies it later.
 */
import type { Command } from 'commander';
import {
  InvalidEventError,
  type Purchase,
  type RecordedEvent,
  type StoreEvent,
} from '../client.js';
import { describeResult } from '../inbox/apply.js';
import { workflowUiUrl } from '../config.js';
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

interface PurchaseOptions extends CommonOptions {
  email?: string;
  contactId?: string;
  externalId?: string;
  orderId: string;
  total: string;
  currency?: string;
  coupon?: string;
  placedAt?: string;
  status?: string;
}

/** Records the event through the client (stored in the inbox, applied now) and says what happened. */
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
      `invalid event:\n${err.problems.map((p) => `  ${flagOf[p.path] ?? p.path}: ${p.message}`).join('\n')}`,
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
        });
      console.error(`stored as inbox event ${id}, but not applied yet: ${recorded.error}`);
      console.error(
        "the HTTP endpoint's inbox processor (npm start) applies it once it can; or run this command again",
      );
      return;
  }
  if (recorded.status !== 'applied') process.exitCode = 1;
  if (json)
    return printJson({
      inboxEventId: id,
      duplicate: recorded.duplicate,
      status: recorded.status,
      result: recorded.result,
      error: recorded.error,
      retryAt: recorded.retryAt,
    });
  switch (recorded.status) {
    case 'applied': {
      console.log(`inbox event ${id} applied: ${describeResult(recorded.result!)}`);
      const started =
        recorded.result?.type === 'account_registered'
          ? recorded.result.journeys.filter((j) => j.outcome === 'started')
          : [];
      for (const j of started)
        console.log(`  journey ${j.workflowId}: ${workflowUiUrl(ctx.config, j.workflowId)}`);
      return;
    }
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

export function registerEventCommands(program: Command, ctx: CliContext): void {
  const event = program
    .command('event')
    .description(
      'Send a store event (as POST /events does): stored in the inbox and applied at once',
    );

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
    .option('--registered-at <time>', 'ISO 8601; default now')
    .option('--event-id <id>', "the store's id of the event: a repeat is not applied again")
    .option('--json', 'print JSON')
    .action(async (opts: RegisterOptions) => {
      const registration = defined({
        type: 'account_registered',
        event_id: opts.eventId,
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
      }) as StoreEvent;
      await report(ctx, () => ctx.client.recordEvent(registration), REGISTER_FLAG_OF, opts.json);
    });

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
    .option('--status <status>', 'paid (default), cancelled or refunded')
    .option('--event-id <id>', "the store's id of the event: a repeat is not applied again")
    .option('--json', 'print JSON')
    .action(async (opts: PurchaseOptions) => {
      const given = [opts.email, opts.contactId, opts.externalId].filter((v) => v !== undefined);
      // A blank option names nobody either (the client would name its own fields, not options).
      if (!given.some((v) => v.trim() !== ''))
        throw new CliError('say who bought: --email, --contact-id or --external-id', 2);
      if (opts.contactId !== undefined && given.length > 1)
        throw new CliError(
          '--contact-id names the buyer alone: leave out --email and --external-id',
          2,
        );
      if (opts.contactId !== undefined && !/^[1-9][0-9]{0,15}$/.test(opts.contactId))
        throw new CliError(
          `--contact-id: "${opts.contactId}" is not a contact id (a positive whole number)`,
          2,
        );
      const total =
        opts.total.trim() !== '' && Number.isFinite(Number(opts.total))
          ? Number(opts.total)
          : opts.total;
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
}
