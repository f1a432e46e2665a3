/**
 * Contacts as the domain sees them, and the validation and normalisation of their fields.
 *
 * `contactInputSchema` is the one gate for contact data, whatever its source (CSV import, the
 * HTTP events endpoint): it trims, normalises the obvious forms (email case, phone separators,
 * time-zone and locale case, country case) and rejects the rest with a message naming the field.
 *
 * In a `ContactInput`, an absent (undefined) field means "leave as it is"; null means "clear it"
 * (for the fields that can be empty). An empty string counts as null.
 */
import { z } from 'zod';

export const NEWSLETTER_STATUSES = ['subscribed', 'unsubscribed', 'never'] as const;
export type NewsletterStatus = (typeof NEWSLETTER_STATUSES)[number];

/** A contact of the shop. Timestamps are Dates; absent values are null. */
export interface Contact {
  id: number;
  /** The shop's own customer id (e.g. Shopify customer id). */
  externalId: string | null;
  /** Lower case. Unique in the shop. */
  email: string | null;
  /** E.164, e.g. +34612345678. */
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  /** BCP 47, e.g. fr-FR. */
  locale: string | null;
  /** IANA time zone, e.g. Europe/Madrid. */
  timezone: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string | null;
  tags: string[];
  newsletterStatus: NewsletterStatus;
  newsletterSubscribedAt: Date | null;
  newsletterUnsubscribedAt: Date | null;
  smsConsent: boolean;
  /** When sms_consent last changed (given or withdrawn). */
  smsConsentAt: Date | null;
  registeredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a source says about a contact: validated and normalised by `contactInputSchema`. */
export interface ContactInput {
  externalId?: string | null;
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  locale?: string | null;
  timezone?: string | null;
  country?: string | null;
  tags?: string[];
  newsletterStatus?: NewsletterStatus;
  smsConsent?: boolean;
  registeredAt?: Date | null;
}

export type ContactField = keyof ContactInput;

/** The snake_case name of each field, as in CSV headers and the database. */
export const CONTACT_FIELD_COLUMNS: Record<ContactField, string> = {
  externalId: 'external_id',
  email: 'email',
  phone: 'phone',
  firstName: 'first_name',
  lastName: 'last_name',
  locale: 'locale',
  timezone: 'timezone',
  country: 'country',
  tags: 'tags',
  newsletterStatus: 'newsletter_status',
  smsConsent: 'sms_consent',
  registeredAt: 'registered_at',
};

export interface ContactFieldIssue {
  /** The ContactInput key, or '' for the contact as a whole. */
  field: ContactField | '';
  message: string;
}

/** Invalid contact data. The message names every bad field ("phone: …; email: …"). */
export class ContactValidationError extends Error {
  constructor(readonly issues: ContactFieldIssue[]) {
    super(formatContactIssues(issues));
    this.name = 'ContactValidationError';
  }
}

/** "email: … ; phone: …", naming fields with `name` (default: the ContactInput key). */
export function formatContactIssues(
  issues: readonly ContactFieldIssue[],
  name: (field: ContactField) => string = (f) => f,
): string {
  return issues.map((i) => (i.field ? `${name(i.field)}: ${i.message}` : i.message)).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Normalisers: each returns the normal form or throws a FieldProblem with the reason.

class FieldProblem extends Error {}

const show = (v: unknown): string => JSON.stringify(v);

const emailSchema = z.email();

/** RFC 5321's limits: a local part (before the @) of 64 octets, an address of 254. */
export const MAX_EMAIL_LOCAL_PART = 64;
export const MAX_EMAIL_LENGTH = 254;

/** Lower-cased, trimmed email address; rejects anything that is not a bare address. */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  // Limits first: a provider refuses such an address only when the email is sent.
  const octets = Buffer.byteLength(email, 'utf8');
  if (octets > MAX_EMAIL_LENGTH)
    throw new FieldProblem(
      `is ${octets} characters long; an email address has at most ${MAX_EMAIL_LENGTH}`,
    );
  const localOctets = Buffer.byteLength(email.slice(0, Math.max(0, email.lastIndexOf('@'))));
  if (localOctets > MAX_EMAIL_LOCAL_PART)
    throw new FieldProblem(
      `has ${localOctets} characters before the @; an email address has at most ${MAX_EMAIL_LOCAL_PART} there`,
    );
  if (!emailSchema.safeParse(email).success)
    throw new FieldProblem(`${show(raw)} is not a valid email address`);
  return email;
}

/**
 * E.164 phone number. Accepts "+34 612 345 678", "+34-612-345-678", "+1 (415) 555.0100" and the
 * international prefix "0034 …"; rejects numbers without a country code (ambiguous: "612 345 678"),
 * the "+44 (0)20 …" mix of international and national prefixes, extensions and letters.
 */
export function normalisePhone(raw: string): string {
  const s = raw.trim();
  if (/\(\s*0\s*\)/.test(s)) {
    throw new FieldProblem(
      `${show(raw)} mixes the country code with a national "(0)" prefix; remove the (0)`,
    );
  }
  if (!/^\+?[0-9 ()./-]+$/.test(s)) {
    throw new FieldProblem(
      `${show(raw)} may only contain digits, spaces, dashes, dots, brackets and a leading +`,
    );
  }
  const digits = s.replace(/[ ()./-]/g, '');
  let e164: string;
  if (digits.startsWith('+')) e164 = digits;
  else if (digits.startsWith('00')) e164 = `+${digits.slice(2)}`;
  else
    throw new FieldProblem(
      `${show(raw)} has no country code; write it in international form, e.g. +34612345678`,
    );
  if (!/^\+[1-9][0-9]{6,14}$/.test(e164)) {
    throw new FieldProblem(
      `${show(raw)} is not a valid E.164 number (a + and 7 to 15 digits, the first not 0)`,
    );
  }
  return e164;
}

const timeZoneCache = new Map<string, string | null>();

/** The canonical IANA name ("europe/paris" → "Europe/Paris"); abbreviations such as EST are refused. */
export function normaliseTimeZone(raw: string): string {
  const s = raw.trim();
  let zone = timeZoneCache.get(s.toLowerCase());
  if (zone === undefined) {
    zone = null;
    if (/^utc$/i.test(s) || /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(s)) {
      try {
        zone = new Intl.DateTimeFormat('en', { timeZone: s }).resolvedOptions().timeZone;
      } catch {
        zone = null;
      }
    }
    if (timeZoneCache.size < 10_000) timeZoneCache.set(s.toLowerCase(), zone);
  }
  if (zone === null) {
    throw new FieldProblem(
      `${show(raw)} is not an IANA time zone; use a name such as Europe/Madrid or America/New_York`,
    );
  }
  return zone;
}

const localeCache = new Map<string, string | null>();

/** A BCP 47 locale in canonical case ("fr_fr" → "fr-FR"). */
export function normaliseLocale(raw: string): string {
  const s = raw.trim().replace(/_/g, '-');
  let locale = localeCache.get(s);
  if (locale === undefined) {
    try {
      locale = /^[A-Za-z]{2,3}(-|$)/.test(s) ? (Intl.getCanonicalLocales(s)[0] ?? null) : null;
    } catch {
      locale = null;
    }
    if (localeCache.size < 10_000) localeCache.set(s, locale);
  }
  if (!locale)
    throw new FieldProblem(`${show(raw)} is not a locale; use a BCP 47 tag such as fr or fr-FR`);
  return locale;
}

/** ISO 3166-1 alpha-2 codes (the 249 assigned ones), plus XK (Kosovo), which shops use. */
const COUNTRY_CODES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ' +
    'BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ' +
    'EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ' +
    'HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ' +
    'LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ' +
    'TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK'
  ).split(' '),
);

/** Upper-case ISO 3166-1 alpha-2 code ("fr" → "FR"). */
export function normaliseCountry(raw: string): string {
  const code = raw.trim().toUpperCase();
  if (code === 'UK')
    throw new FieldProblem(`"UK" is not an ISO 3166-1 code; the United Kingdom is GB`);
  if (!COUNTRY_CODES.has(code)) {
    throw new FieldProblem(
      `${show(raw)} is not an ISO 3166-1 alpha-2 country code (two letters such as FR, ES, US)`,
    );
  }
  return code;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** No time of a contact or an event is earlier: an earlier one is a placeholder or a mistake. */
export const EARLIEST_TIMESTAMP = new Date('1970-01-01T00:00:00Z');

/** Why `date` (written `raw`) is refused as too early, or undefined when it is not. */
export function beforeEarliest(date: Date, raw: string): string | undefined {
  return date < EARLIEST_TIMESTAMP
    ? `${JSON.stringify(raw)} is before ${EARLIEST_TIMESTAMP.toISOString().slice(0, 10)}`
    : undefined;
}

/**
 * An ISO 8601 date ("2024-03-01", midnight UTC) or date-time ("2024-03-01T10:00:00+01:00",
 * "2024-03-01 10:00:00Z"). A date-time without an offset is read as UTC. Null if it is not one;
 * year 0000 (1 BC to ISO 8601, a placeholder in practice) is not one.
 */
export function parseIsoTimestamp(raw: string): Date | null {
  const m = ISO_TIMESTAMP.exec(raw.trim());
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
  if (y === '0000') return null;
  const month = Number(mo);
  const day = Number(d);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  )
    return null;
  // The calendar day must exist (no 2023-02-30).
  const probe = new Date(Date.UTC(Number(y), month - 1, day));
  if (probe.getUTCMonth() !== month - 1) return null;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const z2 = zone.replace(':', '');
    offset = `${z2.slice(0, 3)}:${z2.length > 3 ? z2.slice(3, 5) : '00'}`;
  }
  const ms = frac ? `.${frac.padEnd(3, '0').slice(0, 3)}` : '';
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

function normaliseTimestamp(raw: string | Date): Date {
  const date = raw instanceof Date ? raw : parseIsoTimestamp(raw);
  if (raw instanceof Date && Number.isNaN(raw.getTime()))
    throw new FieldProblem('is an invalid date');
  if (!date)
    throw new FieldProblem(
      `${show(raw)} is not an ISO 8601 date or date-time (e.g. 2024-03-01 or 2024-03-01T10:00:00Z)`,
    );
  const early = beforeEarliest(date, raw instanceof Date ? raw.toISOString() : raw);
  if (early) throw new FieldProblem(early);
  return date;
}

function normaliseNewsletterStatus(raw: string): NewsletterStatus {
  const s = raw.trim().toLowerCase();
  if (!(NEWSLETTER_STATUSES as readonly string[]).includes(s)) {
    throw new FieldProblem(
      `${show(raw)} is not a newsletter status; use one of ${NEWSLETTER_STATUSES.join(', ')}`,
    );
  }
  return s as NewsletterStatus;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

function normaliseBoolean(raw: string | boolean): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  throw new FieldProblem(`${show(raw)} is not a yes/no value; use true or false`);
}

/** At most this many tags per contact, each at most MAX_TAG_LENGTH characters. */
export const MAX_TAGS = 100;
export const MAX_TAG_LENGTH = 100;

/** Trimmed, non-empty, distinct tags in their first order. A string is split on semicolons. */
function normaliseTags(raw: string | readonly string[]): string[] {
  const list = typeof raw === 'string' ? raw.split(';') : raw;
  const tags = new Set<string>();
  for (const t of list) {
    if (typeof t !== 'string') throw new FieldProblem('must be a list of strings');
    const tag = t.trim();
    if (tag.length > MAX_TAG_LENGTH)
      throw new FieldProblem(
        `has a tag of ${tag.length} characters; a tag has at most ${MAX_TAG_LENGTH}`,
      );
    if (tag) tags.add(tag);
    if (tags.size > MAX_TAGS) throw new FieldProblem(`has more than ${MAX_TAGS} tags`);
  }
  return [...tags];
}

function normaliseText(max: number) {
  return (raw: string): string => {
    const s = raw.trim();
    if (s.length > max) throw new FieldProblem(`is longer than ${max} characters`);
    return s;
  };
}

// ---------------------------------------------------------------------------------------------
// The schema.

/** The JSON types a field takes, checked before its value, and how its problem names them. */
interface Accepts {
  test: (raw: unknown) => boolean;
  /** Completes "use …" in the problem of a value of another type. */
  takes: string;
}

/**
 * A field: strings are trimmed, "" and null become null (clear), undefined stays undefined
 * (leave as it is); then `normalise` turns the value into its normal form or throws a problem.
 * `accepts` checks the JSON type first (plain predicates: this runs for every row of an import).
 */
function field<T>(accepts: Accepts, normalise: (raw: never) => T, nullable: boolean) {
  return z
    .unknown()
    .optional()
    .transform((raw, ctx): T | null | undefined => {
      if (raw === undefined) return undefined;
      if (raw === null || (typeof raw === 'string' && raw.trim() === '')) {
        if (nullable) return null;
        ctx.addIssue({ code: 'custom', message: 'must not be empty' });
        return z.NEVER;
      }
      if (!accepts.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          message: `has the wrong type (${show(raw)}); use ${accepts.takes}`,
        });
        return z.NEVER;
      }
      try {
        return normalise(raw as never);
      } catch (error) {
        if (!(error instanceof FieldProblem)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
}

const isString = (v: unknown): v is string => typeof v === 'string';
const str: Accepts = { test: isString, takes: 'a string' };
const externalId: Accepts = {
  test: (v) => isString(v) || (typeof v === 'number' && Number.isSafeInteger(v)),
  takes: 'a string or a whole number',
};
const strOrBool: Accepts = {
  test: (v) => isString(v) || typeof v === 'boolean',
  takes: 'true or false',
};
const strOrDate: Accepts = {
  test: (v) => isString(v) || v instanceof Date,
  takes: 'an ISO 8601 date or date-time string (e.g. 2024-03-01 or 2024-03-01T10:00:00Z)',
};
const strOrList: Accepts = {
  test: (v) => isString(v) || (Array.isArray(v) && v.every(isString)),
  takes: 'a list of strings, or one string with the tags separated by semicolons',
};
const newsletterStatus: Accepts = {
  test: isString,
  takes: `one of ${NEWSLETTER_STATUSES.join(', ')}`,
};

/**
 * Validates and normalises contact data (camelCase keys as in ContactInput). Booleans also accept
 * yes/no/1/0, tags a semicolon-separated string, dates an ISO 8601 string. Unknown keys are refused.
 * Either externalId or email is required to identify the contact.
 */
export const contactInputSchema = z
  .strictObject({
    externalId: field(externalId, (v: string | number) => String(v).trim(), true),
    email: field(str, normaliseEmail, true),
    phone: field(str, normalisePhone, true),
    firstName: field(str, normaliseText(200), true),
    lastName: field(str, normaliseText(200), true),
    locale: field(str, normaliseLocale, true),
    timezone: field(str, normaliseTimeZone, true),
    country: field(str, normaliseCountry, true),
    tags: field(strOrList, normaliseTags, true).transform((t) => (t === null ? [] : t)),
    newsletterStatus: field(newsletterStatus, normaliseNewsletterStatus, false),
    smsConsent: field(strOrBool, normaliseBoolean, false),
    registeredAt: field(strOrDate, normaliseTimestamp, true),
  })
  .check((ctx) => {
    if (!ctx.value.externalId && !ctx.value.email) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: 'external_id or email is required to identify the contact',
      });
    }
  })
  .transform((v): ContactInput => {
    const out: ContactInput = {};
    for (const [k, value] of Object.entries(v))
      if (value !== undefined) (out as Record<string, unknown>)[k] = value;
    return out;
  });

export type ContactValidation =
  { ok: true; value: ContactInput } | { ok: false; issues: ContactFieldIssue[] };

/** Validate and normalise contact data, returning every problem with its field. */
export function validateContactInput(raw: unknown): ContactValidation {
  const result = contactInputSchema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issues: ContactFieldIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      issues.push({
        field: '',
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`,
      });
    } else if (issue.code === 'invalid_type' && issue.path.length === 0) {
      issues.push({ field: '', message: 'contact data must be an object' });
    } else {
      const key = issue.path[0];
      issues.push({
        field: typeof key === 'string' && key in CONTACT_FIELD_COLUMNS ? (key as ContactField) : '',
        message: issue.message,
      });
    }
  }
  return { ok: false, issues };
}

/** Validate and normalise contact data; throws ContactValidationError naming the bad fields. */
export function parseContactInput(raw: unknown): ContactInput {
  const result = validateContactInput(raw);
  if (!result.ok) throw new ContactValidationError(result.issues);
  return result.value;
}
