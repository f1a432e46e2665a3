/**
 * Contacts repository. Every function takes the executor (the Kysely instance or a transaction)
 * first, so the caller owns the transaction; rows are mapped to the domain `Contact`.
 *
 * Identity: a contact is found by its external id, else by its email (case-insensitively: emails
 * are stored lower-cased and unique on lower(email)). Upserts only write what changed and say
 * which of inserted / updated / unchanged happened, so an import run twice writes nothing.
 */
import { sql, type Transaction } from 'kysely';
import {
  type Contact,
  type ContactField,
  type ContactInput,
  ContactValidationError,
  parseContactInput,
} from '../domain/contacts.js';
import { isVoidedBySubscription } from '../domain/messages/unsubscribe-token.js';
import { findRecipient } from './messages.js';
import { runsWithDistinctKeys } from './runs.js';
import { type Executor, inTransaction } from './database.js';
import type { ContactRow, Database } from './schema.js';

export type UpsertAction = 'inserted' | 'updated' | 'unchanged';

export interface UpsertContactResult {
  contact: Contact;
  action: UpsertAction;
}

/** The outcome of one input of a batch: written (or found unchanged), or refused with a reason. */
export type UpsertContactOutcome =
  UpsertContactResult | { action: 'rejected'; field: ContactField | ''; reason: string };

/** The data conflicts with another contact (e.g. its email belongs to someone else). */
export class ContactConflictError extends Error {
  constructor(
    readonly field: ContactField | '',
    message: string,
  ) {
    super(message);
    this.name = 'ContactConflictError';
  }
}

export function toContact(row: ContactRow): Contact {
  return {
    id: Number(row.id),
    externalId: row.external_id,
    email: row.email,
    phone: row.phone,
    firstName: row.first_name,
    lastName: row.last_name,
    locale: row.locale,
    timezone: row.timezone,
    country: row.country,
    tags: row.tags ?? [],
    newsletterStatus: row.newsletter_status,
    newsletterSubscribedAt: row.newsletter_subscribed_at,
    newsletterUnsubscribedAt: row.newsletter_unsubscribed_at,
    smsConsent: row.sms_consent,
    smsConsentAt: row.sms_consent_at,
    registeredAt: row.registered_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface UpsertOptions {
  /** The time of the write. Default: now. */
  now?: Date;
  /**
   * When the source stated the consent of the inputs (an event's own time). Consent stated before
   * the contact's last consent change is ignored. Absent: the write is as of `now` and applies.
   */
  consentAt?: Date;
}

/**
 * A contact by numeric id, external id or email (case-insensitive). A numeric string is tried as
 * an id first, then as an external id.
 */
export async function findContact(
  db: Executor,
  emailOrId: string | number,
): Promise<Contact | undefined> {
  const byId = async (id: number): Promise<Contact | undefined> => {
    const row = await db.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toContact(row);
  };
  if (typeof emailOrId === 'number') return byId(emailOrId);
  const key = emailOrId.trim();
  if (/^[0-9]{1,15}$/.test(key)) {
    const found = await byId(Number(key));
    if (found) return found;
  }
  const row = await db
    .selectFrom('contacts')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('external_id', '=', key),
        eb.and([
          eb('email', 'is not', null),
          eb(eb.fn('lower', ['email']), '=', key.toLowerCase()),
        ]),
      ]),
    )
    // An external id match wins over an email match.
    .orderBy(sql`external_id = ${key}`, 'desc')
    .executeTakeFirst();
  return row && toContact(row);
}

/**
 * Insert or update one contact (validated with `parseContactInput` when not already a
 * ContactInput). Throws ContactValidationError or ContactConflictError.
 */
export async function upsertContact(
  db: Executor,
  input: ContactInput,
  opts: UpsertOptions = {},
): Promise<UpsertContactResult> {
  const [outcome] = await upsertContacts(db, [parseContactInput(input)], opts);
  if (!outcome) throw new Error('unreachable: upsertContacts returned no outcome');
  if (outcome.action === 'rejected') throw new ContactConflictError(outcome.field, outcome.reason);
  return outcome;
}

/** The columns a ContactInput writes, as stored (not the id and timestamps the upsert derives). */
type ContactValues = Omit<ContactRow, 'id' | 'created_at' | 'updated_at'>;

const TEXT_FIELDS = [
  ['externalId', 'external_id'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['locale', 'locale'],
  ['timezone', 'timezone'],
  ['country', 'country'],
] as const;

function sameDate(a: Date | null, b: Date | null): boolean {
  return a === b || (a !== null && b !== null && a.getTime() === b.getTime());
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** The stored values after applying `input` to `current` (or to an empty contact), and whether anything changed. */
function merge(
  current: ContactRow | undefined,
  input: ContactInput,
  now: Date,
  consentAt: Date | undefined,
): { values: ContactValues; changed: boolean } {
  const v: ContactValues = current
    ? {
        external_id: current.external_id,
        email: current.email,
        phone: current.phone,
        first_name: current.first_name,
        last_name: current.last_name,
        locale: current.locale,
        timezone: current.timezone,
        country: current.country,
        tags: current.tags,
        newsletter_status: current.newsletter_status,
        newsletter_subscribed_at: current.newsletter_subscribed_at,
        newsletter_unsubscribed_at: current.newsletter_unsubscribed_at,
        newsletter_consent_at: current.newsletter_consent_at,
        sms_consent: current.sms_consent,
        sms_consent_at: current.sms_consent_at,
        registered_at: current.registered_at,
      }
    : {
        external_id: null,
        email: null,
        phone: null,
        first_name: null,
        last_name: null,
        locale: null,
        timezone: null,
        country: null,
        tags: [],
        newsletter_status: 'never',
        newsletter_subscribed_at: null,
        newsletter_unsubscribed_at: null,
        newsletter_consent_at: null,
        sms_consent: false,
        sms_consent_at: null,
        registered_at: null,
      };
  let changed = false;
  for (const [key, column] of TEXT_FIELDS) {
    const value = input[key];
    if (value !== undefined && value !== v[column]) {
      v[column] = value;
      changed = true;
    }
  }
  if (input.tags !== undefined && !sameTags(input.tags, v.tags)) {
    v.tags = input.tags;
    changed = true;
  }
  if (input.registeredAt !== undefined && !sameDate(input.registeredAt, v.registered_at)) {
    v.registered_at = input.registeredAt;
    changed = true;
  }
  // Consent stated (with its own time) before the contact's last consent change is stale: a
  // replayed or late event. A write without a time (an import, an unsubscribe) is as of now.
  const statedAt = consentAt ?? now;
  const staleAgainst = (last: Date | null) =>
    consentAt !== undefined && last !== null && consentAt < last;
  const newsletterLast = v.newsletter_consent_at;
  if (input.newsletterStatus !== undefined && !staleAgainst(newsletterLast)) {
    if (input.newsletterStatus !== v.newsletter_status) {
      v.newsletter_status = input.newsletterStatus;
      // Never later than this write: unsubscribe links compare it with their own (Boomerang's)
      // send time, so a store's clock running ahead must not void the links of emails sent since.
      if (input.newsletterStatus === 'subscribed')
        v.newsletter_subscribed_at = statedAt > now ? now : statedAt;
      if (input.newsletterStatus === 'unsubscribed') v.newsletter_unsubscribed_at = statedAt;
      v.newsletter_consent_at = statedAt;
      changed = true;
    } else if (
      consentAt &&
      !sameDate(consentAt, newsletterLast) &&
      consentAt > (newsletterLast ?? consentAt)
    ) {
      // The same status confirmed later: an event stated in between is now stale too.
      v.newsletter_consent_at = consentAt;
      changed = true;
    }
  }
  const smsLast = v.sms_consent_at;
  if (
    input.smsConsent !== undefined &&
    input.smsConsent !== v.sms_consent &&
    !staleAgainst(smsLast)
  ) {
    v.sms_consent = input.smsConsent;
    v.sms_consent_at = statedAt;
    changed = true;
  }
  return { values: v, changed };
}

const keyOf = {
  external: (id: string) => `x:${id}`,
  email: (email: string) => `e:${email.toLowerCase()}`,
};

function keysOf(input: ContactInput): string[] {
  const keys: string[] = [];
  if (input.externalId) keys.push(keyOf.external(input.externalId));
  if (input.email) keys.push(keyOf.email(input.email));
  return keys;
}

/** A contact row with its row version (xmin), for optimistic updates. */
type VersionedRow = ContactRow & { version: string };

/**
 * The contacts that `keys` name, each with its version (xmin): one index lookup by external id,
 * then one by lower(email) for the keys whose email is not already accounted for (an OR of both
 * would make Postgres scan the table).
 */
export async function selectByKeys(
  db: Executor,
  keys: readonly { externalId?: string | null; email?: string | null }[],
): Promise<VersionedRow[]> {
  const base = () =>
    db
      .selectFrom('contacts')
      .selectAll()
      .select(sql<string>`xmin::text`.as('version'));
  const byId = new Map<number, VersionedRow>();
  const byExternal = new Map<string, VersionedRow>();
  const externalIds = [...new Set(keys.flatMap((k) => (k.externalId ? [k.externalId] : [])))];
  if (externalIds.length > 0) {
    for (const row of await base()
      .where('external_id', '=', (eb) => eb.fn.any(eb.val(externalIds)))
      .execute()) {
      byId.set(Number(row.id), row);
      byExternal.set(row.external_id!, row);
    }
  }
  const emails = [
    ...new Set(
      keys.flatMap((k) => {
        if (!k.email) return [];
        const email = k.email.toLowerCase();
        const found = k.externalId ? byExternal.get(k.externalId) : undefined;
        return found && found.email?.toLowerCase() === email ? [] : [email];
      }),
    ),
  ];
  if (emails.length > 0) {
    const rows = await base()
      .where('email', 'is not', null)
      .where((eb) => eb(eb.fn('lower', ['email']), '=', eb.fn.any(eb.val(emails))))
      .execute();
    for (const row of rows) byId.set(Number(row.id), row);
  }
  return [...byId.values()];
}

/**
 * Insert or update many contacts (already validated ContactInputs), one outcome per input in
 * order. Set-based: one SELECT, at most one multi-row INSERT and one multi-row UPDATE per run of
 * inputs without a repeated key (an input naming a contact seen earlier in the list starts a new
 * run, so later inputs apply on top of earlier ones). Runs in the caller's transaction or its own.
 *
 * Conflicts are outcomes, not errors: an email that belongs to another contact than the one the
 * external id names, or an email whose contact already has a different external id.
 */
export async function upsertContacts(
  db: Executor,
  inputs: readonly ContactInput[],
  opts: UpsertOptions & {
    /** Per input, when its source stated its consent (events of a batch each have their own); overrides `consentAt`. */
    consentAtOf?: readonly (Date | undefined)[];
  } = {},
): Promise<UpsertContactOutcome[]> {
  const now = opts.now ?? new Date();
  const items = inputs.map((input, i) => ({
    input,
    consentAt: opts.consentAtOf ? opts.consentAtOf[i] : opts.consentAt,
  }));
  const outcomes: UpsertContactOutcome[] = [];
  await inTransaction(db, async (trx) => {
    for (const run of runsWithDistinctKeys(items, (item) => keysOf(item.input)))
      outcomes.push(...(await upsertRun(trx, run, now, 0)));
  });
  return outcomes;
}

/** An input with the time its consent was stated. */
interface UpsertItem {
  input: ContactInput;
  consentAt: Date | undefined;
}

/** Tries of an input whose contact another transaction keeps changing under it. */
const MAX_ATTEMPTS = 5;

/** Upsert inputs that share no key. */
async function upsertRun(
  trx: Transaction<Database>,
  items: readonly UpsertItem[],
  now: Date,
  attempt: number,
): Promise<UpsertContactOutcome[]> {
  const inputs = items.map((item) => item.input);
  // No row locks: updates are optimistic (they only apply to the version read here) and the
  // inputs whose contact changed meanwhile are tried again.
  const existing = await selectByKeys(trx, inputs);
  const byKey = new Map<string, VersionedRow>();
  for (const row of existing) {
    if (row.external_id) byKey.set(keyOf.external(row.external_id), row);
    if (row.email) byKey.set(keyOf.email(row.email), row);
  }

  const outcomes: (UpsertContactOutcome | undefined)[] = new Array(inputs.length);
  const toInsert: { index: number; values: ContactValues }[] = [];
  const toUpdate: {
    index: number;
    id: number;
    version: string;
    createdAt: Date;
    values: ContactValues;
  }[] = [];
  // Inputs that name, by different keys, a contact an earlier input of this run already writes:
  // applied after this run, on top of it.
  const claimed = new Set<number>();
  const deferred: number[] = [];
  inputs.forEach((input, index) => {
    const byExternal = input.externalId ? byKey.get(keyOf.external(input.externalId)) : undefined;
    const byEmail = input.email ? byKey.get(keyOf.email(input.email)) : undefined;
    let target = byExternal;
    if (byExternal && byEmail && byEmail.id !== byExternal.id) {
      outcomes[index] = {
        action: 'rejected',
        field: 'email',
        reason: `"${input.email}" already belongs to another contact (id ${byEmail.id}${byEmail.external_id ? `, external_id "${byEmail.external_id}"` : ''})`,
      };
      return;
    }
    if (!target && byEmail) {
      if (input.externalId && byEmail.external_id && byEmail.external_id !== input.externalId) {
        outcomes[index] = {
          action: 'rejected',
          field: 'externalId',
          reason: `"${input.externalId}" is new but email "${input.email}" belongs to the contact with external_id "${byEmail.external_id}"`,
        };
        return;
      }
      target = byEmail;
    }
    if (target) {
      if (claimed.has(Number(target.id))) {
        deferred.push(index);
        return;
      }
      claimed.add(Number(target.id));
    }
    // Clearing the only identifier would leave a contact nobody can find again.
    const { values, changed } = merge(target, input, now, items[index]!.consentAt);
    if (!values.external_id && !values.email) {
      outcomes[index] = {
        action: 'rejected',
        field: '',
        reason: 'a contact needs an external_id or an email',
      };
      return;
    }
    if (!target) toInsert.push({ index, values });
    else if (changed)
      toUpdate.push({
        index,
        id: Number(target.id),
        version: target.version,
        createdAt: target.created_at,
        values,
      });
    else outcomes[index] = { action: 'unchanged', contact: toContact(target) };
  });

  const retry: number[] = [];
  // A write that took gives the input its outcome; one that another transaction's write beat
  // (`undefined`) is tried again in the next run, up to MAX_ATTEMPTS runs.
  const settle = (index: number, written: UpsertContactOutcome | undefined): void => {
    if (written) outcomes[index] = written;
    else if (attempt < MAX_ATTEMPTS) retry.push(index);
    else
      outcomes[index] = {
        action: 'rejected',
        field: '',
        reason: 'the contact was changed concurrently; import it again',
      };
  };
  if (toInsert.length > 0) {
    const inserted = await trx
      .insertInto('contacts')
      .values(toInsert.map(({ values }) => ({ ...values, created_at: now, updated_at: now })))
      // A contact inserted meanwhile by another transaction: tried again below, as an update.
      .onConflict((oc) => oc.doNothing())
      .returning(['id', 'external_id', 'email'])
      .execute();
    const insertedByKey = new Map<string, number>();
    for (const row of inserted) {
      if (row.external_id) insertedByKey.set(keyOf.external(row.external_id), Number(row.id));
      else if (row.email) insertedByKey.set(keyOf.email(row.email), Number(row.id));
    }
    for (const { index, values } of toInsert) {
      const key = values.external_id
        ? keyOf.external(values.external_id)
        : keyOf.email(values.email!);
      const id = insertedByKey.get(key);
      settle(
        index,
        id === undefined
          ? undefined
          : {
              action: 'inserted',
              contact: toContact({ id, ...values, created_at: now, updated_at: now }),
            },
      );
    }
  }

  if (toUpdate.length > 0) {
    const payload = JSON.stringify(
      toUpdate.map(({ id, version, values }) => ({ id, version, ...values })),
    );
    const updated = await sql<{ id: number }>`
      UPDATE contacts AS c SET
        external_id = v.external_id, email = v.email, phone = v.phone,
        first_name = v.first_name, last_name = v.last_name, locale = v.locale,
        timezone = v.timezone, country = v.country, tags = v.tags,
        newsletter_status = v.newsletter_status,
        newsletter_subscribed_at = v.newsletter_subscribed_at,
        newsletter_unsubscribed_at = v.newsletter_unsubscribed_at,
        newsletter_consent_at = v.newsletter_consent_at,
        sms_consent = v.sms_consent, sms_consent_at = v.sms_consent_at,
        registered_at = v.registered_at, updated_at = ${now}
      FROM jsonb_to_recordset(${payload}::jsonb) AS v(
        id bigint, version text, external_id text, email text, phone text, first_name text, last_name text,
        locale text, timezone text, country text, tags text[], newsletter_status text,
        newsletter_subscribed_at timestamptz, newsletter_unsubscribed_at timestamptz,
        newsletter_consent_at timestamptz, sms_consent boolean, sms_consent_at timestamptz, registered_at timestamptz)
      WHERE c.id = v.id AND c.xmin = v.version::xid
      RETURNING c.id`.execute(trx);
    const done = new Set(updated.rows.map((r) => Number(r.id)));
    for (const { index, id, createdAt, values } of toUpdate) {
      settle(
        index,
        done.has(id)
          ? {
              action: 'updated',
              contact: toContact({ id, ...values, created_at: createdAt, updated_at: now }),
            }
          : undefined,
      );
    }
  }

  if (retry.length > 0) {
    // Someone else inserted or changed these contacts between our SELECT and our write: apply
    // the inputs again on top of what is there now.
    const again = await upsertRun(
      trx,
      retry.map((i) => items[i]!),
      now,
      attempt + 1,
    );
    retry.forEach((index, k) => {
      outcomes[index] = again[k];
    });
  }
  if (deferred.length > 0) {
    const later = await upsertRun(
      trx,
      deferred.map((i) => items[i]!),
      now,
      attempt,
    );
    deferred.forEach((index, k) => {
      outcomes[index] = later[k];
    });
  }
  return outcomes.map((o, i) => {
    if (!o) throw new Error(`unreachable: no outcome for contact input ${i}`);
    return o;
  });
}

export type UnsubscribeOutcome =
  'unsubscribed' | 'already_unsubscribed' | 'unknown_contact' | 'voided';

/**
 * Sets the contact's newsletter status to unsubscribed as an unsubscribe link does (the time of the
 * first request is kept), unless a token issued at `tokenIssuedAt` is voided by the contact's
 * current subscription. The check and the write hold the contact's row lock: a re-subscription
 * committed meanwhile is seen before deciding, and of two concurrent clicks only one unsubscribes.
 */
export async function unsubscribeFromNewsletter(
  db: Executor,
  contactId: number,
  tokenIssuedAt: Date,
): Promise<UnsubscribeOutcome> {
  return inTransaction(db, async (trx) => {
    // The recipient of the email whose link was clicked.
    const row = await findRecipient(trx, contactId, { forUpdate: true });
    if (!row) return 'unknown_contact';
    if (row.newsletter_status === 'unsubscribed') return 'already_unsubscribed';
    if (isVoidedBySubscription(tokenIssuedAt, row.newsletter_subscribed_at)) return 'voided';
    await upsertContact(
      trx,
      row.external_id
        ? { externalId: row.external_id, newsletterStatus: 'unsubscribed' }
        : { email: row.email, newsletterStatus: 'unsubscribed' },
    );
    return 'unsubscribed';
  });
}

export { ContactValidationError };

/** A contact's time zone: null when unset, undefined when there is no such contact. */
export async function contactTimezone(
  db: Executor,
  contactId: number,
): Promise<string | null | undefined> {
  const contact = await db
    .selectFrom('contacts')
    .select('timezone')
    .where('id', '=', contactId)
    .executeTakeFirst();
  return contact?.timezone;
}

/** Which contacts a campaign's audience takes: all, or only those with an email address. */
export type AudienceLimitation = 'all' | 'with_email';

function audienceQuery(db: Executor, limitation: AudienceLimitation) {
  let query = db.selectFrom('contacts').select('id');
  if (limitation === 'with_email') query = query.where('email', 'is not', null);
  return query;
}

/** How many contacts an audience with this limitation holds. */
export async function countAudience(db: Executor, limitation: AudienceLimitation): Promise<number> {
  const row = await audienceQuery(db, limitation)
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The next page of an audience: up to `limit` contacts with ids above `afterContactId`, by id. */
export async function audiencePage(
  db: Executor,
  limitation: AudienceLimitation,
  afterContactId: number,
  limit: number,
): Promise<{ id: number }[]> {
  return audienceQuery(db, limitation)
    .where('id', '>', afterContactId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Adds a tag to a contact or removes it (a flow's tag node); idempotent either way. */
export async function setContactTag(
  db: Executor,
  contactId: number,
  tag: string,
  present: boolean,
): Promise<void> {
  await db
    .updateTable('contacts')
    .set({
      tags: present
        ? sql<string[]>`CASE WHEN ${tag} = ANY(tags) THEN tags ELSE array_append(tags, ${tag}) END`
        : sql<string[]>`array_remove(tags, ${tag})`,
      updated_at: new Date(),
    })
    .where('id', '=', contactId)
    .execute();
}
