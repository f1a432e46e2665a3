/**
 * Registrations applied as a batch on a Temporal dev server and real Postgres: contacts written
 * together, a contact's events in order, journeys started once even after a crash between the
 * contacts' commit and the starts, and a poison event failing alone.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCoupons } from '../../src/db/coupons.js';
import { type ApplyResult, upsertRegisteredContacts } from '../../src/inbox/apply.js';
import { parseStoredEvent, type RegistrationEvent } from '../../src/inbox/events.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import { getCampaign } from '../../src/db/campaigns.js';
import { type InboxHarness, startInboxHarness, WELCOME } from './harness.js';

type Registration = Extract<ApplyResult, { type: 'account_registered' }>;

const registration = (email: string, contact: Record<string, unknown> = {}, extra = {}) => ({
  type: 'account_registered',
  contact: { email, newsletter: 'subscribed', ...contact },
  ...extra,
});

describe('a batch of registrations', () => {
  let h: InboxHarness;

  beforeAll(async () => {
    h = await startInboxHarness('inbox-batch');
    // Every journey here claims a coupon.
    await generateCoupons(h.database.db, 'welcome', 40, { prefix: 'BATCH-' });
  });
  afterAll(async () => {
    await h?.teardown();
  });

  /** Stores events in the inbox, oldest first; their ids. */
  const store = async (events: unknown[]) => {
    const accepted = await acceptEvents(h.database.db, 'api', { events });
    if (!accepted.ok) throw new Error(JSON.stringify(accepted));
    return accepted.events.map((e) => e.id);
  };
  const contact = (email: string) =>
    h.database.db
      .selectFrom('contacts')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();

  it("applies each contact's registrations in the order received, each with its own consent time, one journey per contact", async () => {
    const events = [];
    for (let i = 0; i < 6; i++) {
      const email = `order-${i}@example.com`;
      events.push(
        registration(
          email,
          { first_name: 'First' },
          { event_id: `o${i}-a`, occurred_at: '2026-11-20T10:00:00Z' },
        ),
        // Stated earlier than the first: stale, so the contact stays subscribed; the name still changes.
        registration(
          email,
          { first_name: 'Second', newsletter: 'unsubscribed' },
          { event_id: `o${i}-b`, occurred_at: '2026-11-19T10:00:00Z' },
        ),
      );
    }
    const ids = await store(events);
    const summary = await processInboxBatch(h.deps, { limit: 100 });
    expect(summary).toMatchObject({ applied: 12, failed: 0, rejected: 0, parked: 0 });
    expect(summary.outcomes.map((o) => o.id)).toEqual(ids);
    for (let i = 0; i < 6; i++) {
      const c = await contact(`order-${i}@example.com`);
      expect(c).toMatchObject({ first_name: 'Second', newsletter_status: 'subscribed' });
      const [first, second] = summary.outcomes
        .filter((o) => (o.result as Registration).contactId === c.id)
        .map((o) => o.result as Registration);
      expect(first).toMatchObject({
        contact: 'inserted',
        journeys: [{ workflowId: `${WELCOME}/${c.id}`, outcome: 'started' }],
      });
      expect(second).toMatchObject({
        contact: 'updated',
        journeys: [{ workflowId: `${WELCOME}/${c.id}`, outcome: 'already_enrolled' }],
      });
    }
  });

  it('starts each journey once when the processor died after the contacts were written', async () => {
    const emails = ['crash-0@example.com', 'crash-1@example.com', 'crash-2@example.com'];
    const ids = await store(emails.map((email) => registration(email)));
    // What a processor killed mid-batch leaves: the contacts committed, one journey started, the
    // events' rows untouched (the claiming transaction never committed).
    const rows = await h.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute();
    const written = await upsertRegisteredContacts(
      h.database.db,
      rows.map((row) => ({
        event: parseStoredEvent(row.payload) as RegistrationEvent,
        receivedAt: row.received_at,
      })),
    );
    const first = await contact(emails[0]!);
    expect(written[0]).toMatchObject({ action: 'inserted', contact: { id: first.id } });
    const { definition } = await getCampaign(h.database.db, WELCOME);
    expect(
      (
        await startJourney(
          { client: h.env.client, db: h.database.db, taskQueue: h.taskQueue },
          definition,
          first.id,
        )
      ).outcome,
    ).toBe('started');

    const summary = await processInboxBatch(h.deps);
    expect(summary.outcomes.map((o) => [o.id, o.status, o.attempts])).toEqual(
      ids.map((id) => [id, 'applied', 1]),
    );
    const results = summary.outcomes.map((o) => o.result as Registration);
    expect(results.map((r) => [r.contact, r.journeys.map((j) => j.outcome)])).toEqual([
      ['unchanged', ['already_enrolled']],
      ['unchanged', ['started']],
      ['unchanged', ['started']],
    ]);
    expect(
      await h.database.db
        .selectFrom('contacts')
        .select('email')
        .where('email', 'like', 'crash-%')
        .execute(),
    ).toHaveLength(3);
    // Each journey ran once: one welcome email per contact.
    for (const r of results) await h.journeyAt(`${WELCOME}/${r.contactId}`, 'wait');
    const sent = await h.database.db
      .selectFrom('messages')
      .select('contact_id')
      .where(
        'contact_id',
        'in',
        results.map((r) => r.contactId),
      )
      .execute();
    expect(sent).toHaveLength(3);
  });

  it('parks a poison registration alone: the rest of its batch is applied', async () => {
    // A bug that only this contact's write hits: the batch's set-based upsert fails as a whole.
    await sql`CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email = 'poison@example.com' THEN RAISE EXCEPTION 'poisoned row'; END IF;
        RETURN NEW;
      END $$`.execute(h.database.db);
    await sql`CREATE TRIGGER poison BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION poison()`.execute(
      h.database.db,
    );
    try {
      const ids = await store([
        registration('healthy-0@example.com'),
        registration('poison@example.com'),
        registration('healthy-1@example.com'),
      ]);
      const summary = await processInboxBatch(h.deps, { parkAfterAttempts: 1 });
      expect(summary.outcomes.map((o) => [o.id, o.status])).toEqual([
        [ids[0], 'applied'],
        [ids[1], 'parked'],
        [ids[2], 'applied'],
      ]);
      expect(summary.outcomes[1]!.error).toMatch(/parked after 1 attempts: .*poisoned row/);
      for (const r of [summary.outcomes[0]!, summary.outcomes[2]!])
        expect((r.result as Registration).journeys).toMatchObject([{ outcome: 'started' }]);
    } finally {
      await sql`DROP TRIGGER poison ON contacts`.execute(h.database.db);
      await sql`DROP FUNCTION poison()`.execute(h.database.db);
    }
  });
});
