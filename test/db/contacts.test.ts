import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  ContactConflictError,
  findContact,
  upsertContact,
  upsertContacts,
} from '../../src/db/contacts.js';
import {
  ContactValidationError,
  normalisePhone,
  parseContactInput,
  parseIsoTimestamp,
  validateContactInput,
} from '../../src/domain/contacts.js';
import { useTestDatabase } from '../support/db.js';

const T0 = new Date('2025-01-01T10:00:00Z');
const T1 = new Date('2025-02-01T10:00:00Z');
const T2 = new Date('2025-03-01T10:00:00Z');

describe('contacts repository', () => {
  const database = useTestDatabase();

  describe('upsertContact', () => {
    it('never lets consent stated before the last consent change override it', async () => {
      const key = { externalId: 'consent-1', email: 'consent@example.com' };
      const stated = (status: 'subscribed' | 'unsubscribed', consentAt: Date, now = T2) =>
        upsertContact(database.db, { ...key, newsletterStatus: status }, { now, consentAt });
      expect((await stated('subscribed', T0)).contact.newsletterSubscribedAt).toEqual(T0);
      // Unsubscribed at T1 (a link, dated by its arrival).
      await upsertContact(database.db, { ...key, newsletterStatus: 'unsubscribed' }, { now: T1 });
      // A replay of the T0 statement arrives later: stale, nothing changes.
      const replay = await stated('subscribed', T0);
      expect(replay.action).toBe('unchanged');
      expect(replay.contact.newsletterStatus).toBe('unsubscribed');
      // A statement newer than the change applies, dated by its own time.
      const newer = await stated('subscribed', new Date(T1.getTime() + 1000));
      expect(newer.contact).toMatchObject({
        newsletterStatus: 'subscribed',
        newsletterSubscribedAt: new Date(T1.getTime() + 1000),
      });
      // A later confirmation of the same status makes anything stated before it stale too.
      expect((await stated('subscribed', T2)).action).toBe('updated');
      const late = await stated('unsubscribed', new Date(T2.getTime() - 1000));
      expect(late.contact.newsletterStatus).toBe('subscribed');
      // SMS consent likewise, by its own time.
      await upsertContact(database.db, { ...key, smsConsent: true }, { now: T2, consentAt: T2 });
      const staleSms = await upsertContact(
        database.db,
        { ...key, smsConsent: false },
        { now: T2, consentAt: T1 },
      );
      expect(staleSms.contact.smsConsent).toBe(true);
    });

    it('inserts, then finds the same data unchanged, then updates only on a change', async () => {
      const input = {
        externalId: 'U-1',
        email: 'Ada@Example.com',
        phone: '+34 612 345 678',
        firstName: 'Ada',
        tags: ['vip', 'early'],
        country: 'es',
        registeredAt: new Date('2023-01-15T00:00:00Z'),
      };
      const first = await upsertContact(database.db, input, { now: T0 });
      expect(first.action).toBe('inserted');
      expect(first.contact).toMatchObject({
        externalId: 'U-1',
        email: 'ada@example.com',
        phone: '+34612345678',
        firstName: 'Ada',
        lastName: null,
        tags: ['vip', 'early'],
        country: 'ES',
        newsletterStatus: 'never',
        smsConsent: false,
        registeredAt: new Date('2023-01-15T00:00:00Z'),
      });
      expect(first.contact.createdAt).toEqual(T0);

      const again = await upsertContact(database.db, input, { now: T1 });
      expect(again.action).toBe('unchanged');
      expect(again.contact).toEqual(first.contact);

      const changed = await upsertContact(
        database.db,
        { externalId: 'U-1', lastName: 'Lovelace' },
        { now: T1 },
      );
      expect(changed.action).toBe('updated');
      expect(changed.contact).toMatchObject({
        id: first.contact.id,
        firstName: 'Ada',
        lastName: 'Lovelace',
        phone: '+34612345678',
        updatedAt: T1,
      });
      // Absent fields are left as they are; null clears.
      const cleared = await upsertContact(
        database.db,
        { externalId: 'U-1', phone: null },
        { now: T2 },
      );
      expect(cleared.contact).toMatchObject({ phone: null, lastName: 'Lovelace' });
      const count = await database.db
        .selectFrom('contacts')
        .where('external_id', '=', 'U-1')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(count.n).toBe(1);
    });

    it('identifies by email, case-insensitively, when there is no external id', async () => {
      const first = await upsertContact(database.db, {
        email: 'Grace.Hopper@Navy.mil',
        firstName: 'Grace',
      });
      const second = await upsertContact(database.db, {
        email: 'GRACE.HOPPER@navy.MIL',
        firstName: 'Grace',
      });
      expect(second).toEqual({ action: 'unchanged', contact: first.contact });
      const third = await upsertContact(database.db, {
        email: 'grace.hopper@navy.mil',
        lastName: 'Hopper',
      });
      expect(third.action).toBe('updated');
      expect(third.contact.id).toBe(first.contact.id);
      // The database itself keeps emails unique whatever their case.
      await expect(
        sql`INSERT INTO contacts (email, created_at, updated_at) VALUES ('GRACE.hopper@NAVY.mil', now(), now())`.execute(
          database.db,
        ),
      ).rejects.toThrow(/contacts_email_unique/);
    });

    it('gives an email-only contact the external id the shop later sends', async () => {
      const byEmail = await upsertContact(database.db, { email: 'alan@example.com' });
      const linked = await upsertContact(database.db, {
        externalId: 'U-ALAN',
        email: 'Alan@example.com',
        firstName: 'Alan',
      });
      expect(linked.action).toBe('updated');
      expect(linked.contact).toMatchObject({
        id: byEmail.contact.id,
        externalId: 'U-ALAN',
        firstName: 'Alan',
      });
    });

    it('refuses an email that belongs to another contact, naming the field', async () => {
      await upsertContact(database.db, { externalId: 'U-K1', email: 'katherine@example.com' });
      await upsertContact(database.db, { externalId: 'U-K2', email: 'dorothy@example.com' });
      const error = await upsertContact(database.db, {
        externalId: 'U-K2',
        email: 'Katherine@example.com',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContactConflictError);
      expect(error).toMatchObject({ field: 'email' });
      expect((error as Error).message).toMatch(
        /"katherine@example.com" already belongs to another contact .*external_id "U-K1"/,
      );
      const other = await upsertContact(database.db, {
        externalId: 'U-K3',
        email: 'katherine@example.com',
      }).catch((e: unknown) => e);
      expect(other).toMatchObject({ field: 'externalId' });
      expect((other as Error).message).toMatch(/belongs to the contact with external_id "U-K1"/);
    });

    it('records when the newsletter status and SMS consent change', async () => {
      const a = await upsertContact(
        database.db,
        { externalId: 'U-N', newsletterStatus: 'subscribed', smsConsent: true },
        { now: T0 },
      );
      expect(a.contact).toMatchObject({
        newsletterStatus: 'subscribed',
        newsletterSubscribedAt: T0,
        newsletterUnsubscribedAt: null,
        smsConsent: true,
        smsConsentAt: T0,
      });
      const same = await upsertContact(
        database.db,
        { externalId: 'U-N', newsletterStatus: 'subscribed', smsConsent: true },
        { now: T1 },
      );
      expect(same.action).toBe('unchanged');
      expect(same.contact.newsletterSubscribedAt).toEqual(T0);
      const out = await upsertContact(
        database.db,
        { externalId: 'U-N', newsletterStatus: 'unsubscribed', smsConsent: false },
        { now: T1 },
      );
      expect(out.contact).toMatchObject({
        newsletterStatus: 'unsubscribed',
        newsletterSubscribedAt: T0,
        newsletterUnsubscribedAt: T1,
        smsConsent: false,
        smsConsentAt: T1,
      });
      const back = await upsertContact(
        database.db,
        { externalId: 'U-N', newsletterStatus: 'subscribed' },
        { now: T2 },
      );
      expect(back.contact).toMatchObject({
        newsletterSubscribedAt: T2,
        newsletterUnsubscribedAt: T1,
      });
    });

    it('concurrent upserts of one contact lose no change (optimistic updates, retried)', async () => {
      await upsertContact(database.db, { externalId: 'U-RACE' });
      const changes = [
        { firstName: 'Ada' },
        { lastName: 'Lovelace' },
        { country: 'GB' },
        { locale: 'en-GB' },
      ];
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          changes.map((c) =>
            upsertContact(database.db, { externalId: 'U-RACE', ...c, tags: [`round-${round}`] }),
          ),
        );
        expect(results.filter((r) => r.action === 'updated').length).toBeGreaterThanOrEqual(1);
      }
      expect(await findContact(database.db, 'U-RACE')).toMatchObject({
        firstName: 'Ada',
        lastName: 'Lovelace',
        country: 'GB',
        locale: 'en-GB',
        tags: ['round-4'],
      });
    });

    it('validates before writing, naming every bad field', async () => {
      const error = await upsertContact(database.db, {
        externalId: 'U-BAD',
        email: 'not-an-email',
        phone: '612 345 678',
        timezone: 'Mars/Olympus',
        country: 'XX',
        locale: '123',
        newsletterStatus: 'maybe' as never,
        registeredAt: 'yesterday' as never,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContactValidationError);
      const message = (error as Error).message;
      for (const field of [
        'email',
        'phone',
        'timezone',
        'country',
        'locale',
        'newsletterStatus',
        'registeredAt',
      ]) {
        expect(message).toContain(`${field}: `);
      }
      expect(await findContact(database.db, 'U-BAD')).toBeUndefined();
    });
  });

  describe('upsertContacts (batches)', () => {
    it('reports one outcome per input, applying repeated contacts in order', async () => {
      const outcomes = await upsertContacts(
        database.db,
        [
          parseContactInput({ externalId: 'B-1', email: 'b1@example.com', firstName: 'One' }),
          parseContactInput({ externalId: 'B-2', email: 'b2@example.com' }),
          parseContactInput({ externalId: 'B-1', firstName: 'Uno' }),
          parseContactInput({ externalId: 'B-3', email: 'b2@example.com' }),
        ],
        { now: T0 },
      );
      expect(outcomes.map((o) => o.action)).toEqual([
        'inserted',
        'inserted',
        'updated',
        'rejected',
      ]);
      expect((await findContact(database.db, 'B-1'))?.firstName).toBe('Uno');
      const again = await upsertContacts(database.db, [
        parseContactInput({ externalId: 'B-1', firstName: 'Uno' }),
        parseContactInput({ externalId: 'B-2' }),
      ]);
      expect(again.map((o) => o.action)).toEqual(['unchanged', 'unchanged']);
    });

    it('an email freed by an earlier input of the same batch goes to a new contact, as if applied one by one', async () => {
      const { contact: moving } = await upsertContact(database.db, {
        externalId: 'M-1',
        email: 'old@example.com',
      });
      const outcomes = await upsertContacts(database.db, [
        parseContactInput({ externalId: 'M-1', email: 'new@example.com' }),
        parseContactInput({ email: 'old@example.com', firstName: 'Newcomer' }),
      ]);
      expect(outcomes.map((o) => o.action)).toEqual(['updated', 'inserted']);
      expect((await findContact(database.db, 'M-1'))?.email).toBe('new@example.com');
      const newcomer = await findContact(database.db, 'old@example.com');
      expect(newcomer).toMatchObject({ firstName: 'Newcomer', externalId: null });
      expect(newcomer?.id).not.toBe(moving.id);
    });
  });

  describe('findContact', () => {
    it('finds by numeric id, external id, or email in any case', async () => {
      const { contact } = await upsertContact(database.db, {
        externalId: 'F-1',
        email: 'find.me@example.com',
      });
      expect((await findContact(database.db, contact.id))?.id).toBe(contact.id);
      expect((await findContact(database.db, String(contact.id)))?.id).toBe(contact.id);
      expect((await findContact(database.db, 'F-1'))?.id).toBe(contact.id);
      expect((await findContact(database.db, 'Find.Me@EXAMPLE.com'))?.id).toBe(contact.id);
      expect(await findContact(database.db, 'nobody@example.com')).toBeUndefined();
      expect(await findContact(database.db, 987654321)).toBeUndefined();
    });

    it('finds a numeric external id that is not an id', async () => {
      const { contact } = await upsertContact(database.db, {
        externalId: '7000001',
        email: 'numeric@example.com',
      });
      expect((await findContact(database.db, '7000001'))?.id).toBe(contact.id);
    });
  });
});

describe('contact validation', () => {
  it('normalises the obvious forms', () => {
    expect(
      parseContactInput({
        externalId: 42,
        email: '  Ada@Example.COM ',
        phone: '0034 612-345-678',
        locale: 'fr_fr',
        timezone: 'europe/paris',
        country: 'fr',
        tags: ' vip ; early;vip;',
        newsletterStatus: 'Subscribed',
        smsConsent: 'yes',
        registeredAt: '2024-03-01T10:00:00+01:00',
        firstName: '  Ada ',
        lastName: '',
      }),
    ).toEqual({
      externalId: '42',
      email: 'ada@example.com',
      phone: '+34612345678',
      locale: 'fr-FR',
      timezone: 'Europe/Paris',
      country: 'FR',
      tags: ['vip', 'early'],
      newsletterStatus: 'subscribed',
      smsConsent: true,
      registeredAt: new Date('2024-03-01T09:00:00Z'),
      firstName: 'Ada',
      lastName: null,
    });
  });

  it.each([
    ['+34 612 345 678', '+34612345678'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+1.415.555.0100', '+14155550100'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('accepts the phone %s as %s', (raw, e164) => {
    expect(normalisePhone(raw)).toBe(e164);
  });

  it.each([
    ['612 345 678', /has no country code/],
    ['+44 (0)20 7946 0958', /national "\(0\)" prefix/],
    ['+34 612 345 678 ext 12', /may only contain digits/],
    ['+34612+345678', /may only contain digits, spaces, dashes, dots, brackets and a leading \+/],
    ['+0123456789', /not a valid E.164 number/],
    ['+12345', /not a valid E.164 number/],
  ])('rejects the ambiguous or invalid phone %s', (raw, message) => {
    expect(() => normalisePhone(raw)).toThrow(message);
  });

  it('names each bad field', () => {
    const result = validateContactInput({
      email: 'a@b',
      timezone: 'EST',
      country: 'UK',
      locale: 'x',
      newsletterStatus: 'yes',
      smsConsent: 'maybe',
      tags: 3,
      registeredAt: '2023-02-30',
      extra: 1,
    });
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(Object.fromEntries(issues.map((i) => [i.field, i.message]))).toEqual({
      email: '"a@b" is not a valid email address',
      timezone:
        '"EST" is not an IANA time zone; use a name such as Europe/Madrid or America/New_York',
      country: '"UK" is not an ISO 3166-1 code; the United Kingdom is GB',
      locale: '"x" is not a locale; use a BCP 47 tag such as fr or fr-FR',
      newsletterStatus:
        '"yes" is not a newsletter status; use one of subscribed, unsubscribed, never',
      smsConsent: '"maybe" is not a yes/no value; use true or false',
      tags: 'has the wrong type (3); use a list of strings, or one string with the tags separated by semicolons',
      registeredAt:
        '"2023-02-30" is not an ISO 8601 date or date-time (e.g. 2024-03-01 or 2024-03-01T10:00:00Z)',
      '': 'unknown field extra',
    });
  });

  it('says what a field given a value of the wrong JSON type takes', () => {
    const result = validateContactInput({
      externalId: 1.5,
      email: 42,
      newsletterStatus: true,
      smsConsent: 1,
      registeredAt: 1700000000,
    });
    const issues = result.ok ? [] : result.issues;
    expect(Object.fromEntries(issues.map((i) => [i.field, i.message]))).toEqual({
      externalId: 'has the wrong type (1.5); use a string or a whole number',
      email: 'has the wrong type (42); use a string',
      newsletterStatus: 'has the wrong type (true); use one of subscribed, unsubscribed, never',
      smsConsent: 'has the wrong type (1); use true or false',
      registeredAt:
        'has the wrong type (1700000000); use an ISO 8601 date or date-time string (e.g. 2024-03-01 or 2024-03-01T10:00:00Z)',
    });
  });

  it('requires an external id or an email', () => {
    expect(() => parseContactInput({ firstName: 'Nobody' })).toThrow(
      /external_id or email is required/,
    );
    expect(() => parseContactInput({ externalId: 'x', newsletterStatus: '' })).toThrow(
      /newsletterStatus: must not be empty/,
    );
  });

  it('reads ISO 8601 dates and date-times, without an offset as UTC', () => {
    expect(parseIsoTimestamp('2024-03-01')).toEqual(new Date('2024-03-01T00:00:00Z'));
    expect(parseIsoTimestamp('2024-03-01 10:30')).toEqual(new Date('2024-03-01T10:30:00Z'));
    expect(parseIsoTimestamp('2024-03-01T10:30:00.25-0500')).toEqual(
      new Date('2024-03-01T15:30:00.250Z'),
    );
    expect(parseIsoTimestamp('01/03/2024')).toBeNull();
    expect(parseIsoTimestamp('2024-13-01')).toBeNull();
  });
});
