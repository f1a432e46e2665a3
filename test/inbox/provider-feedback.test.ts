/**
 * Provider feedback as the inbox applies it (real Postgres), and the translation of the providers'
 * payloads: soft bounces counted within their window, a lifted suppression counting afresh,
 * opt-out and opt-in keywords, a STOP older than the contact's last consent change ignored.
 */
import { describe, expect, it } from 'vitest';
import {
  applyFeedback,
  describeFeedback,
  type FeedbackWire,
  mapResendWebhook,
  mapTwilioWebhook,
} from '../../src/inbox/provider-feedback.js';
import { feedbackOfMessage } from '../../src/db/feedback.js';
import { suppressions, unsuppressEmail } from '../../src/services/suppressions.js';
import { useTestDatabase } from '../support/db.js';

const AT = new Date('2026-12-01T10:00:00.000Z');
const daysAfter = (days: number) => new Date(AT.getTime() + days * 86_400_000).toISOString();

describe('translating the providers’ webhooks', () => {
  const twilio = (params: Record<string, string>) =>
    mapTwilioWebhook(new URLSearchParams({ MessageSid: 'SM1', ...params }), AT);

  it('reads every opt-out and opt-in keyword of Twilio, whole and in any case, and nothing else', () => {
    for (const body of [
      'STOP',
      ' stop ',
      'StopAll',
      'unsubscribe',
      'cancel',
      'END',
      'quit',
      'revoke',
      'optout',
    ])
      expect(twilio({ From: '+34611000001', Body: body })).toMatchObject({
        ok: true,
        feedback: { kind: 'opted_out', address: '+34611000001', channel: 'sms' },
      });
    for (const body of ['START', 'unstop', 'Yes'])
      expect(twilio({ From: '+34611000001', Body: body })).toMatchObject({
        ok: true,
        feedback: { kind: 'opted_in' },
      });
    for (const body of ['please stop', 'HELP', 'thanks'])
      expect(twilio({ From: '+34611000001', Body: body })).toMatchObject({
        ok: false,
        ignored: expect.any(String),
      });
    // A custom keyword of Advanced Opt-Out, named by Twilio.
    expect(twilio({ From: '+34611000001', Body: 'BAJA', OptOutType: 'STOP' })).toMatchObject({
      ok: true,
      feedback: { kind: 'opted_out' },
    });
    expect(twilio({ From: '+34611000001' })).toEqual({
      ok: false,
      problem: { path: 'Body', message: 'is required in an inbound message' },
    });
    expect(
      mapTwilioWebhook(new URLSearchParams({ From: '+34611000001', Body: 'STOP' }), AT),
    ).toMatchObject({
      ok: false,
      problem: { path: 'MessageSid' },
    });
  });

  it('tells hard bounces from soft ones by Resend’s bounce type', () => {
    const bounce = (type?: string) =>
      mapResendWebhook(
        {
          type: 'email.bounced',
          created_at: AT.toISOString(),
          data: { email_id: 'em_1', to: ['A@Example.com'], ...(type ? { bounce: { type } } : {}) },
        },
        'msg_1',
        AT,
      );
    expect(bounce('Permanent')).toMatchObject({
      ok: true,
      feedback: { kind: 'bounced', address: 'a@example.com' },
    });
    expect(bounce()).toMatchObject({ ok: true, feedback: { kind: 'bounced' } });
    expect(bounce('Transient')).toMatchObject({ ok: true, feedback: { kind: 'soft_bounced' } });
    expect(bounce('Undetermined')).toMatchObject({ ok: true, feedback: { kind: 'soft_bounced' } });
    expect(
      mapResendWebhook({ type: 'email.bounced', data: { to: 'a@example.com' } }, 'm', AT),
    ).toMatchObject({
      ok: false,
      problem: { path: 'data.email_id' },
    });
  });
});

describe('applying feedback', () => {
  const database = useTestDatabase();
  let seq = 0;
  const softBounce = (address: string, occurredAt: string): FeedbackWire => ({
    provider: 'resend',
    event_key: `resend:soft-${++seq}`,
    channel: 'email',
    kind: 'soft_bounced',
    address,
    occurred_at: occurredAt,
    detail: { bounceType: 'Transient' },
  });
  const rule = { limit: 2, windowDays: 30 };
  const suppressed = async (address: string) =>
    (await suppressions(database.db)).some((s) => s.address === address);

  it('suppresses after N soft bounces within the window only, and counts afresh after a lift', async () => {
    const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    const apply = (address: string, at: string) =>
      applyFeedback({ db: database.db, softBounces: rule }, softBounce(address, at));
    // 40 days apart: never two within 30 days.
    await apply('apart@example.com', ago(100));
    await apply('apart@example.com', ago(60));
    expect(await suppressed('apart@example.com')).toBe(false);

    await apply('soft@example.com', ago(10));
    expect(await suppressed('soft@example.com')).toBe(false);
    expect((await apply('soft@example.com', ago(5))).suppressed).toBe('soft_bounces');
    expect(await suppressed('soft@example.com')).toBe(true);

    // Lifted by hand: the two before no longer count.
    await unsuppressEmail(database.db, 'soft@example.com', 'mailbox emptied');
    await apply('soft@example.com', new Date(Date.now() + 1000).toISOString());
    expect(await suppressed('soft@example.com')).toBe(false);
  });

  it('applied twice, an event is recorded once and changes nothing more', async () => {
    const event: FeedbackWire = {
      provider: 'resend',
      event_key: 'resend:msg_twice',
      channel: 'email',
      kind: 'complained',
      address: 'twice@example.com',
      provider_message_id: 'em_twice',
      occurred_at: AT.toISOString(),
      detail: {},
    };
    expect(await applyFeedback({ db: database.db }, event)).toMatchObject({
      recorded: true,
      suppressed: 'complaint',
    });
    const again = await applyFeedback({ db: database.db }, event);
    expect(again.recorded).toBe(false);
    expect(again.suppressed).toBeUndefined();
    expect(
      await database.db
        .selectFrom('message_feedback')
        .select('id')
        .where('event_key', '=', 'resend:msg_twice')
        .execute(),
    ).toHaveLength(1);
  });

  it('a STOP older than the contact’s last SMS consent change is ignored', async () => {
    const { id } = await database.db
      .insertInto('contacts')
      .values({
        email: 'lin@example.com',
        phone: '+34611000009',
        sms_consent: true,
        sms_consent_at: daysAfter(2),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const stop = (at: string, key: string): FeedbackWire => ({
      provider: 'twilio',
      event_key: key,
      channel: 'sms',
      kind: 'opted_out',
      address: '+34611000009',
      occurred_at: at,
      detail: { keyword: 'STOP' },
    });
    const old = await applyFeedback(
      { db: database.db },
      stop(daysAfter(1), 'twilio:SM-old:inbound'),
    );
    expect(old.consentChanged).toEqual([]);
    expect(describeFeedback(old)).toContain('no contact whose SMS consent changed');
    const later = await applyFeedback(
      { db: database.db },
      stop(daysAfter(3), 'twilio:SM-new:inbound'),
    );
    expect(later.consentChanged).toEqual([id]);
    expect(describeFeedback(later)).toContain(`SMS consent withdrawn for 1 contact: ${id}`);
  });

  it('a delivery applied before the send recorded the provider id is still the message’s', async () => {
    await applyFeedback(
      { db: database.db },
      {
        provider: 'resend',
        event_key: 'resend:msg_early',
        channel: 'email',
        kind: 'delivered',
        address: 'early@example.com',
        provider_message_id: 'em_early',
        occurred_at: AT.toISOString(),
        detail: {},
      },
    );
    const { id: contactId } = await database.db
      .insertInto('contacts')
      .values({ email: 'early@example.com' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id } = await database.db
      .insertInto('messages')
      .values({
        idempotency_key: 'early/step',
        channel: 'email',
        provider: 'resend',
        status: 'sent',
        contact_id: contactId,
        to_address: 'early@example.com',
        text: 'Hi',
        provider_message_id: 'em_early',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await feedbackOfMessage(database.db, id)).toMatchObject([
      { type: 'delivered', provider: 'resend' },
    ]);
  });

  it('rejects a stored payload that is not a feedback event, naming the field', async () => {
    await expect(
      applyFeedback({ db: database.db }, { provider: 'resend', kind: 'exploded' }),
    ).rejects.toThrow(/kind/);
  });
});
