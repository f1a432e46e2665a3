import { describe, expect, it } from 'vitest';
import { checkContactFrequencyCap } from '../../src/channels/frequency-cap.js';
import { recentMessageTimes } from '../../src/db/messages.js';
import { createChannels } from '../../src/channels/index.js';
import { parseRetryAfter } from '../../src/channels/provider-errors.js';
import { useTestDatabase } from '../support/db.js';
import { insertContact } from '../support/orders.js';

const database = useTestDatabase();

const email = { from: 'Shop <shop@example.com>', resendApiKey: undefined };

describe('createChannels', () => {
  it('chooses the providers the configuration names', () => {
    const outbox = createChannels(
      { email: { provider: 'outbox', ...email }, sms: { provider: 'outbox', twilio: undefined } },
      database.db,
    );
    expect([outbox.email.name, outbox.sms.name]).toEqual(['outbox', 'outbox']);
    const real = createChannels(
      {
        email: { provider: 'resend', from: email.from, resendApiKey: 're_x' },
        sms: {
          provider: 'twilio',
          twilio: { accountSid: 'AC1', authToken: 't', from: '+34600000000' },
        },
      },
      database.db,
    );
    expect([real.email.name, real.sms.name]).toEqual(['resend', 'twilio']);
  });

  it('refuses a provider without its credentials', () => {
    expect(() =>
      createChannels(
        { email: { provider: 'resend', ...email }, sms: { provider: 'outbox', twilio: undefined } },
        database.db,
      ),
    ).toThrow(/RESEND_API_KEY/);
    expect(() =>
      createChannels(
        { email: { provider: 'outbox', ...email }, sms: { provider: 'twilio', twilio: undefined } },
        database.db,
      ),
    ).toThrow(/TWILIO_ACCOUNT_SID/);
  });
});

describe('the outbox', () => {
  it('finds the message the activity recorded, and refuses one it did not', async () => {
    const { email: outbox } = createChannels(
      { email: { provider: 'outbox', ...email }, sms: { provider: 'outbox', twilio: undefined } },
      database.db,
    );
    const contactId = await insertContact(database.db, 'outbox@example.com');
    const row = await database.db
      .insertInto('messages')
      .values({
        idempotency_key: 'wf/outbox-step',
        channel: 'email',
        provider: 'outbox',
        status: 'sending',
        contact_id: contactId,
        to_address: 'outbox@example.com',
        text: 'hi',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const message = { from: 'a', to: 'b', subject: 's', html: 'h', text: 't', headers: {} };
    expect(await outbox.send(message, { idempotencyKey: 'wf/outbox-step' })).toEqual({
      providerMessageId: `outbox-${row.id}`,
    });
    await expect(outbox.send(message, { idempotencyKey: 'wf/unknown' })).rejects.toMatchObject({
      nonRetryable: true,
    });
  });
});

describe('the send log behind the frequency cap', () => {
  it('counts sent messages in the period and messages being sent, but not failed ones or the one being sent', async () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    const id = await insertContact(database.db, 'capped@example.com');
    const base = {
      channel: 'email' as const,
      provider: 'outbox',
      contact_id: id,
      to_address: 'capped@example.com',
      text: 't',
    };
    await database.db
      .insertInto('messages')
      .values([
        {
          ...base,
          idempotency_key: 'cap/1',
          status: 'sent',
          created_at: hoursAgo(30),
          sent_at: hoursAgo(30),
        }, // before the period
        {
          ...base,
          idempotency_key: 'cap/2',
          status: 'sent',
          created_at: hoursAgo(10),
          sent_at: hoursAgo(10),
        },
        { ...base, idempotency_key: 'cap/3', status: 'failed', created_at: hoursAgo(5) },
        { ...base, idempotency_key: 'cap/4', status: 'sending', created_at: hoursAgo(1) }, // another step, in flight
        { ...base, idempotency_key: 'cap/5', status: 'sending', created_at: hoursAgo(0.5) }, // this step
      ])
      .execute();
    const since = hoursAgo(24);
    expect(await recentMessageTimes(database.db, id, since, { excludeKey: 'cap/5' })).toEqual([
      hoursAgo(1),
      hoursAgo(10),
    ]);
    expect(
      await recentMessageTimes(database.db, id, since, {
        excludeKey: 'cap/5',
        includeInFlight: false,
      }),
    ).toEqual([hoursAgo(10)]);
    expect(
      await checkContactFrequencyCap(database.db, { messages: 3, periodHours: 24 }, id, now, {
        excludeKey: 'cap/5',
      }),
    ).toEqual({ allowed: true, remaining: 0 });
    expect(
      await checkContactFrequencyCap(database.db, { messages: 2, periodHours: 24 }, id, now, {
        excludeKey: 'cap/5',
      }),
    ).toEqual({
      allowed: false,
      sentInPeriod: 2,
      nextAllowedAt: new Date('2026-11-26T02:00:00Z'),
    });
    expect(await checkContactFrequencyCap(database.db, undefined, id, now)).toMatchObject({
      allowed: true,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds or an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
