/**
 * `boomerang event register|purchase`: send the store's events by hand. The event takes the same
 * path as one posted to `POST /events`: validated and stored in the inbox by the same accept
 * function, then applied at once by the inbox processor's code. If it cannot be applied now
 * (Temporal down), it stays in the inbox and the HTTP endpoint's processor applies it later.
 */
import type { Command } from 'commander';
import { findContact } from '../db/contacts.js';
import { inboxEventLastError } from '../db/inbox.js';
import { describeResult } from '../inbox/apply.js';
import { type EventOutcome, processInboxEvent } from '../inbox/processor.js';
import { acceptEvents } from '../inbox/store.js';
import { workflowUiUrl } from '../temporal/connection.js';
import { CliError, type CliContext, printJson } from './context.js';

/** The option that sets each field of the event, to name it in problems. */
const FLAG_OF: Record<string, string> = {
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
  'order.id': '--order-id',
  'order.total': '--total',
  'order.currency': '--currency',
  'order.coupon_code': '--coupon',
  'order.placed_at': '--placed-at',
  'order.status': '--status',
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

/** Stores the event through the inbox, applies it now, and says what happened. */
async function submit(
  ctx: CliContext,
  event: Record<string, unknown>,
  json: boolean | undefined,
): Promise<void> {
  const db = ctx.db();
  const accepted = await acceptEvents(db, 'cli', event, {
    clockToleranceSeconds: ctx.config.eventClockToleranceSeconds,
  });
  if (!accepted.ok) {
    throw new CliError(
      `invalid event:\n${accepted.problems.map((p) => `  ${FLAG_OF[p.path] ?? p.path}: ${p.message}`).join('\n')}`,
      2,
    );
  }
  const stored = accepted.events[0]!;
  if (stored.duplicate && stored.processedAt) {
    // Processed with an error left behind means rejected (see src/inbox/processor.ts).
    const rejected = await inboxEventLastError(db, stored.id);
    if (rejected) process.exitCode = 1;
    if (json)
      return printJson({
        inboxEventId: stored.id,
        duplicate: true,
        status: rejected ? 'rejected' : 'already_processed',
        processedAt: stored.processedAt,
        error: rejected ?? undefined,
      });
    if (rejected) console.error(`already received as inbox event ${stored.id}, and ${rejected}`);
    else
      console.log(
        `already received as inbox event ${stored.id}, applied at ${stored.processedAt.toISOString()}; nothing applied again`,
      );
    return;
  }

  let outcome: EventOutcome | undefined;
  let error: string | undefined;
  try {
    const temporal = await ctx.temporal();
    outcome = await processInboxEvent(
      {
        db,
        temporal,
        taskQueue: ctx.config.temporal.taskQueue,
        defaultCurrency: ctx.config.shop.currency,
      },
      stored.id,
    );
  } catch (err) {
    error = (err as Error).message;
  }
  if (!outcome) {
    process.exitCode = 1;
    const why = error ?? 'another process is applying it right now';
    if (json)
      return printJson({
        inboxEventId: stored.id,
        duplicate: stored.duplicate,
        status: 'pending',
        error: why,
      });
    console.error(`stored as inbox event ${stored.id}, but not applied yet: ${why}`);
    console.error(
      "the HTTP endpoint's inbox processor (npm start) applies it once it can; or run this command again",
    );
    return;
  }
  if (outcome.status !== 'applied') process.exitCode = 1;
  if (json)
    return printJson({
      inboxEventId: stored.id,
      duplicate: stored.duplicate,
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      retryAt: outcome.retryAt,
    });
  switch (outcome.status) {
    case 'applied': {
      console.log(`inbox event ${stored.id} applied: ${describeResult(outcome.result!)}`);
      const started =
        outcome.result?.type === 'account_registered'
          ? outcome.result.journeys.filter((j) => j.outcome === 'started')
          : [];
      for (const j of started)
        console.log(`  journey ${j.workflowId}: ${workflowUiUrl(ctx.config, j.workflowId)}`);
      return;
    }
    case 'rejected':
      console.error(`inbox event ${stored.id} rejected: ${outcome.error}`);
      return;
    case 'parked':
      console.error(`inbox event ${stored.id} ${outcome.error}`);
      process.exitCode = 1;
      return;
    case 'failed':
      console.error(`stored as inbox event ${stored.id}, but not applied yet: ${outcome.error}`);
      console.error(
        "the HTTP endpoint's inbox processor (npm start) retries it; or run this command again",
      );
  }
}

/** The contact of `--contact-id`, as the store would name it: its external id, else its email. */
async function contactRef(ctx: CliContext, id: string): Promise<Record<string, unknown>> {
  if (!/^[1-9][0-9]{0,15}$/.test(id))
    throw new CliError(`--contact-id: "${id}" is not a contact id (a positive whole number)`, 2);
  const contact = await findContact(ctx.db(), Number(id));
  if (!contact) throw new CliError(`no contact has id ${id}`);
  return contact.externalId ? { external_id: contact.externalId } : { email: contact.email };
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
      await submit(
        ctx,
        defined({
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
        }),
        opts.json,
      );
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
    .option('--placed-at <time>', 'ISO 8601; default now')
    .option('--status <status>', 'paid (default), cancelled or refunded')
    .option('--event-id <id>', "the store's id of the event: a repeat is not applied again")
    .option('--json', 'print JSON')
    .action(async (opts: PurchaseOptions) => {
      const given = [opts.email, opts.contactId, opts.externalId].filter(
        (v) => v !== undefined,
      ).length;
      if (given === 0)
        throw new CliError('say who bought: --email, --contact-id or --external-id', 2);
      if (opts.contactId !== undefined && given > 1)
        throw new CliError(
          '--contact-id names the buyer alone: leave out --email and --external-id',
          2,
        );
      const contact =
        opts.contactId !== undefined
          ? await contactRef(ctx, opts.contactId)
          : defined({ email: opts.email, external_id: opts.externalId });
      const total =
        opts.total.trim() !== '' && Number.isFinite(Number(opts.total))
          ? Number(opts.total)
          : opts.total;
      await submit(
        ctx,
        defined({
          type: 'purchase',
          event_id: opts.eventId,
          contact,
          order: defined({
            id: opts.orderId,
            total,
            currency: opts.currency,
            coupon_code: opts.coupon,
            placed_at: opts.placedAt ?? new Date().toISOString(),
            status: opts.status,
          }),
        }),
        opts.json,
      );
    });
}
