/**
 * Quiet hours and a frequency cap that can delay, through the real send path and Postgres: when a
 * send waits (and until when), when it is dropped and why, and which of two waiting campaigns
 * takes a contact's last free slot.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMessagingActivities,
  type MessagingDeps,
  type SendMessageInput,
  type SendResult,
} from '../../src/activities/messaging.js';
import { createChannels } from '../../src/channels/index.js';
import type { SendPressure } from '../../src/domain/messages/pressure.js';
import { contactMaker } from '../support/customers.js';
import { useTestDatabase } from '../support/db.js';
import { outboxMessagingConfig } from '../support/messaging.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const HOUR = 3_600_000;
const config = outboxMessagingConfig({
  signingSecret: 'pressure-test-secret',
  sendHours: { sms: { days: EVERY_DAY, from: '09:00', to: '20:00' } },
});

const database = useTestDatabase();
let clock: Date;

beforeAll(async () => {
  await database.db
    .insertInto('campaigns')
    .values(
      ['low-clv', 'welcome'].map((id) => ({
        id,
        kind: id === 'welcome' ? 'welcome_voucher' : 'low_clv_coupon',
        name: id,
        definition: JSON.stringify({}),
      })),
    )
    .execute();
});
beforeEach(() => {
  clock = new Date('2026-11-25T10:00:00.000Z');
});

const contact = contactMaker(database, 'pressed', (n) => ({
  phone: `+3461100${String(n).padStart(4, '0')}`,
  sms_consent: true,
  locale: 'en-GB',
}));

function activities(overrides: Partial<MessagingDeps['config']> = {}) {
  const channels = createChannels(
    { email: { ...config.email }, sms: { provider: 'outbox', twilio: undefined } },
    database.db,
  );
  return createMessagingActivities({
    db: database.db,
    channels,
    config: { ...config, ...overrides },
    now: () => clock,
  });
}

/** A journey of `campaignId` for the contact: its row (as enrolment writes it) and its sends. */
async function journey(workflowId: string, campaignId: string, contactId: number) {
  await database.db
    .insertInto('journeys')
    .values({
      workflow_id: workflowId,
      campaign_id: campaignId,
      contact_id: contactId,
      enrolled_at: clock,
    })
    .execute();
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'run' } });
  return (
    send: (input: SendMessageInput) => Promise<SendResult>,
    input: SendMessageInput,
  ): Promise<SendResult> => env.run(send, input) as Promise<SendResult>;
}

function message(
  contactId: number,
  campaignId: string,
  step: string,
  pressure?: SendPressure,
): SendMessageInput {
  return {
    step,
    campaignId,
    contactId,
    template: campaignId === 'welcome' ? 'welcome-offer' : 'low-clv-offer',
    variables: { coupon: { code: 'SAVE-10', expires_at: '2026-12-07T23:30:00.000Z' } },
    category: 'marketing',
    ...(pressure ? { pressure } : {}),
  };
}

const sms = (contactId: number, pressure?: SendPressure): SendMessageInput => ({
  ...message(contactId, 'welcome', 'send_reminder_sms', pressure),
  template: 'voucher-reminder-sms',
});

const waitWhenQuiet: SendPressure = { whenQuiet: 'wait', whenCapped: 'drop', priority: 0 };

const retryAt = (result: SendResult) => (result.outcome === 'skipped' ? result.retryAt : undefined);

async function eventsOf(contactId: number) {
  return database.db
    .selectFrom('journey_events')
    .select(['type', 'step', 'detail', 'workflow_id'])
    .where('contact_id', '=', contactId)
    .orderBy('id')
    .execute();
}
async function messageCount(contactId: number): Promise<number> {
  const rows = await database.db
    .selectFrom('messages')
    .select('id')
    .where('contact_id', '=', contactId)
    .execute();
  return rows.length;
}

describe('quiet hours', () => {
  it("holds an SMS due at 23:00 in the contact's time zone until 09:00 there, then sends it", async () => {
    // 23:00 in New York on 25 November (UTC−5); the shop's own zone (Madrid) is not the contact's.
    const id = await contact({ timezone: 'America/New_York' });
    const send = await journey('welcome/quiet-1', 'welcome', id);
    const { sendSms } = activities();
    clock = new Date('2026-11-26T04:00:00.000Z');

    expect(await send(sendSms, sms(id, waitWhenQuiet))).toEqual({
      outcome: 'skipped',
      reason: 'quiet_hours',
      retryAt: '2026-11-26T14:00:00.000Z', // 09:00 in New York
    });
    expect(await messageCount(id)).toBe(0);
    expect(await eventsOf(id)).toMatchObject([
      {
        type: 'message_delayed',
        step: 'send_reminder_sms',
        detail: { channel: 'sms', reason: 'quiet_hours', retryAt: '2026-11-26T14:00:00.000Z' },
      },
    ]);

    // Asked again before the hours open (a timer fired early), it still waits: nothing goes out.
    clock = new Date('2026-11-26T13:59:00.000Z');
    expect((await send(sendSms, sms(id, waitWhenQuiet))).outcome).toBe('skipped');
    clock = new Date('2026-11-26T14:00:00.000Z');
    expect((await send(sendSms, sms(id, waitWhenQuiet))).outcome).toBe('sent');
    expect(await messageCount(id)).toBe(1);
  });

  it("reads the shop's clock for a contact whose time zone is unknown", async () => {
    const id = await contact({ timezone: 'Mars/Olympus_Mons' });
    const send = await journey('welcome/quiet-0', 'welcome', id);
    clock = new Date('2026-11-25T22:30:00.000Z'); // 23:30 in Madrid
    expect(await send(activities().sendSms, sms(id, waitWhenQuiet))).toMatchObject({
      retryAt: '2026-11-26T08:00:00.000Z', // 09:00 in Madrid
    });
  });

  it('drops the message, recording "quiet_hours", when the campaign says drop', async () => {
    const id = await contact();
    const send = await journey('welcome/quiet-2', 'welcome', id);
    const { sendSms } = activities();
    clock = new Date('2026-11-25T22:30:00.000Z'); // 23:30 in Madrid
    const drop: SendPressure = { ...waitWhenQuiet, whenQuiet: 'drop' };
    expect(await send(sendSms, sms(id, drop))).toEqual({
      outcome: 'skipped',
      reason: 'quiet_hours',
    });
    // The drop is final: the step asked again in the morning stays dropped.
    clock = new Date('2026-11-26T09:00:00.000Z');
    expect(await send(sendSms, sms(id, drop))).toEqual({
      outcome: 'skipped',
      reason: 'quiet_hours',
    });
    expect(await messageCount(id)).toBe(0);
    expect((await eventsOf(id)).map((e) => [e.type, e.detail.reason])).toEqual([
      ['message_skipped', 'quiet_hours'],
    ]);
  });

  it("follows the campaign's hours over the shop's, and holds no email by default", async () => {
    const id = await contact();
    const { sendSms, sendEmail } = activities();
    clock = new Date('2026-11-25T22:30:00.000Z'); // 23:30 in Madrid
    const anyTime = await journey('welcome/quiet-3', 'welcome', id);
    expect((await anyTime(sendSms, sms(id, { ...waitWhenQuiet, sendHours: 'any' }))).outcome).toBe(
      'sent',
    );
    const email = await journey('low-clv/quiet-3', 'low-clv', id);
    expect(
      (await email(sendEmail, message(id, 'low-clv', 'send_offer', waitWhenQuiet))).outcome,
    ).toBe('sent');
    const late = await journey('low-clv/quiet-3b', 'low-clv', id);
    const evening = { days: [...EVERY_DAY], from: '18:00', to: '22:00' };
    expect(
      await late(
        sendEmail,
        message(id, 'low-clv', 'send_offer', { ...waitWhenQuiet, sendHours: evening }),
      ),
    ).toMatchObject({
      outcome: 'skipped',
      reason: 'quiet_hours',
      retryAt: '2026-11-26T17:00:00.000Z',
    });
  });

  it('holds nothing for a send that carries no pressure (a journey started before quiet hours)', async () => {
    const id = await contact();
    const send = await journey('welcome/quiet-4', 'welcome', id);
    clock = new Date('2026-11-25T22:30:00.000Z');
    expect((await send(activities().sendSms, sms(id))).outcome).toBe('sent');
  });
});

describe('a frequency cap that delays', () => {
  const cap = { frequencyCap: { messages: 1, periodHours: 24 } };
  const delay = (priority = 0, upTo = 3 * 24 * HOUR): SendPressure => ({
    whenQuiet: 'wait',
    whenCapped: 'delay',
    priority,
    delayUntil: new Date(clock.getTime() + upTo).toISOString(),
  });

  it('tells a capped welcome voucher to come back when the oldest message leaves the period, then sends it', async () => {
    const id = await contact();
    const { sendEmail } = activities(cap);
    const lowClv = await journey('low-clv/cap-1', 'low-clv', id);
    const welcome = await journey('welcome/cap-1', 'welcome', id);
    expect((await lowClv(sendEmail, message(id, 'low-clv', 'send_offer'))).outcome).toBe('sent');

    clock = new Date('2026-11-25T12:00:00.000Z');
    const voucher = message(id, 'welcome', 'send_voucher', delay());
    expect(await welcome(sendEmail, voucher)).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
      retryAt: '2026-11-26T10:00:00.000Z',
    });
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      type: 'message_delayed',
      detail: { reason: 'frequency_cap', retryAt: '2026-11-26T10:00:00.000Z', sentInPeriod: 1 },
    });

    clock = new Date('2026-11-26T10:00:00.000Z');
    expect((await welcome(sendEmail, voucher)).outcome).toBe('sent');
    expect(await messageCount(id)).toBe(2);
  });

  it('drops a capped voucher whose campaign drops, recording the reason', async () => {
    const id = await contact();
    const { sendEmail } = activities(cap);
    const lowClv = await journey('low-clv/cap-2', 'low-clv', id);
    const welcome = await journey('welcome/cap-2', 'welcome', id);
    await lowClv(sendEmail, message(id, 'low-clv', 'send_offer'));
    const drop: SendPressure = { whenQuiet: 'wait', whenCapped: 'drop', priority: 0 };
    expect(await welcome(sendEmail, message(id, 'welcome', 'send_voucher', drop))).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
    });
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      type: 'message_skipped',
      step: 'send_voucher',
      detail: { reason: 'frequency_cap', nextAllowedAt: '2026-11-26T10:00:00.000Z' },
    });
  });

  it('drops a delayed message, recording why, when the cap frees only after its delay limit', async () => {
    const id = await contact();
    const { sendEmail } = activities(cap);
    const lowClv = await journey('low-clv/cap-3', 'low-clv', id);
    const welcome = await journey('welcome/cap-3', 'welcome', id);
    await lowClv(sendEmail, message(id, 'low-clv', 'send_offer'));
    clock = new Date('2026-11-25T12:00:00.000Z');
    const voucher = message(id, 'welcome', 'send_voucher', delay(0, 6 * HOUR));
    expect(await welcome(sendEmail, voucher)).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
    });
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      type: 'message_skipped',
      detail: {
        reason: 'frequency_cap',
        dropped: 'delay_limit_passed',
        delayUntil: '2026-11-25T18:00:00.000Z',
        nextAllowedAt: '2026-11-26T10:00:00.000Z',
      },
    });
    expect(await messageCount(id)).toBe(1);
  });

  it('gives the last free slot to the waiting message of higher priority, whoever asks first', async () => {
    const id = await contact();
    const { sendEmail } = activities(cap);
    const first = await journey('low-clv/cap-4a', 'low-clv', id);
    const welcome = await journey('welcome/cap-4', 'welcome', id);
    const lowClv = await journey('low-clv/cap-4b', 'low-clv', id);
    await first(sendEmail, message(id, 'low-clv', 'send_offer'));

    clock = new Date('2026-11-25T11:00:00.000Z');
    const voucher = message(id, 'welcome', 'send_voucher', delay(5));
    const reminder = message(id, 'low-clv', 'send_reminder', delay(0));
    expect(retryAt(await welcome(sendEmail, voucher))).toBe('2026-11-26T10:00:00.000Z');
    clock = new Date('2026-11-25T12:00:00.000Z');
    expect(retryAt(await lowClv(sendEmail, reminder))).toBe('2026-11-26T10:00:00.000Z');

    // Both wake at 10:00; the lower priority asks first and yields, to come back a period later.
    clock = new Date('2026-11-26T10:00:00.000Z');
    expect(await lowClv(sendEmail, reminder)).toEqual({
      outcome: 'skipped',
      reason: 'frequency_cap',
      retryAt: '2026-11-27T10:00:00.000Z',
    });
    expect((await eventsOf(id)).at(-1)).toMatchObject({
      type: 'message_delayed',
      detail: { yieldedToPriority: 5 },
    });
    expect((await welcome(sendEmail, voucher)).outcome).toBe('sent');

    // Once the voucher went out nothing waits: the reminder takes the next slot.
    clock = new Date('2026-11-27T10:00:00.000Z');
    expect((await lowClv(sendEmail, reminder)).outcome).toBe('sent');
    expect(await messageCount(id)).toBe(3);
  });

  it('does not yield to a waiting message of equal or lower priority', async () => {
    const id = await contact();
    const { sendEmail } = activities(cap);
    const first = await journey('low-clv/cap-5a', 'low-clv', id);
    const welcome = await journey('welcome/cap-5', 'welcome', id);
    const lowClv = await journey('low-clv/cap-5b', 'low-clv', id);
    await first(sendEmail, message(id, 'low-clv', 'send_offer'));
    clock = new Date('2026-11-25T11:00:00.000Z');
    const voucher = message(id, 'welcome', 'send_voucher', delay(0));
    expect(retryAt(await welcome(sendEmail, voucher))).toBe('2026-11-26T10:00:00.000Z');
    clock = new Date('2026-11-26T10:00:00.000Z');
    expect(
      (await lowClv(sendEmail, message(id, 'low-clv', 'send_reminder', delay(0)))).outcome,
    ).toBe('sent');
    expect(retryAt(await welcome(sendEmail, voucher))).toBe('2026-11-27T10:00:00.000Z');
  });
});
