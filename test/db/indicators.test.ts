/**
 * The set-based SQL summary and RFM scoring must say exactly what the (unit-tested) domain code
 * says for the same orders: this checks the SQL against summarizeOrders and scoreRfm.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';
import { publishIndicators, summarizeContacts } from '../../src/db/indicators.js';
import { summarizeOrders } from '../../src/domain/indicators/clv.js';
import { scoreRfm } from '../../src/domain/indicators/rfm.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { useTestDatabase } from '../support/db.js';
import { insertContact, insertContacts, insertOrders, type RawOrder } from '../support/orders.js';

const DAY = 86_400_000;

describe('indicator summaries in SQL', () => {
  const database = useTestDatabase();
  const asOf = new Date('2026-06-30T12:00:00Z');
  const orders: RawOrder[] = [];
  let contactIds: number[] = [];
  // Without fitted models: these tests are about the summary, not the forecasts.
  const summarizeAndPublish = async (at: Date) => {
    await summarizeContacts(database.db, at);
    await publishIndicators(database.db, at, { bgnbdFitId: null, gammaGamma: null });
  };
  const indicatorsOf = (contactId: number) =>
    database.db
      .selectFrom('contact_indicators')
      .select('contact_id')
      .where('contact_id', '=', contactId)
      .executeTakeFirst();

  beforeAll(async () => {
    const rng = mulberry32(11);
    contactIds = await insertContacts(database.db, 'c', 300);
    for (const contact of contactIds) {
      const n = Math.floor(rng() * 6); // some contacts have no orders at all
      for (let k = 0; k < n; k++) {
        const status = rng() < 0.1 ? 'refunded' : rng() < 0.05 ? 'cancelled' : 'paid';
        // Whole-day collisions on purpose: two orders of one day are one purchase.
        const placedAt = new Date(
          asOf.getTime() - Math.floor(rng() * 400) * DAY - Math.floor(rng() * 20) * 3600_000,
        );
        orders.push({ contact, placedAt, total: Math.round(rng() * 20000) / 100, status });
      }
    }
    // One order after the as-of instant, which must be ignored.
    orders.push({
      contact: contactIds[0]!,
      placedAt: new Date(asOf.getTime() + DAY),
      total: 50,
      status: 'paid',
    });
    await insertOrders(database.db, 'o', orders);
  });

  /** Summarises with `db` (the test database, however connected) and checks every contact. */
  const expectAgreementWithDomain = async (db: Db) => {
    const count = await summarizeContacts(db, asOf);
    expect(await publishIndicators(db, asOf, { bgnbdFitId: null, gammaGamma: null })).toBe(count);

    const expected = contactIds
      .map((id) => {
        const own = orders.filter((o) => o.contact === id);
        const summary = summarizeOrders(
          own.map((o) => ({ placedAt: o.placedAt, total: o.total, paid: o.status === 'paid' })),
          asOf,
        );
        const paid = own.filter((o) => o.status === 'paid' && o.placedAt < asOf);
        const lastDay = Math.max(...paid.map((o) => Math.floor(o.placedAt.getTime() / DAY)));
        const total = paid.reduce((s, o) => s + o.total, 0);
        return (
          summary && {
            id,
            summary,
            total,
            daysSinceLast: Math.floor(asOf.getTime() / DAY) - lastDay,
          }
        );
      })
      .filter((e) => e !== null);
    const rfm = scoreRfm(
      expected.map((e) => ({
        daysSinceLastOrder: e.daysSinceLast,
        frequency: e.summary.frequency,
        monetary: Math.round(e.total * 100) / 100,
      })),
    );

    expect(count).toBe(expected.length);
    const rows = await db
      .selectFrom('contact_indicators')
      .selectAll()
      .orderBy('contact_id')
      .execute();
    expect(rows.map((r) => r.contact_id)).toEqual(expected.map((e) => e.id));
    rows.forEach((row, i) => {
      const e = expected[i]!;
      expect({
        id: row.contact_id,
        f: row.frequency,
        rec: row.recency_days,
        T: row.age_days,
      }).toEqual({ id: e.id, f: e.summary.frequency, rec: e.summary.recency, T: e.summary.T });
      expect(row.monetary_value).toBeCloseTo(e.summary.monetaryValue, 6);
      expect(row.total_spent).toBeCloseTo(e.total, 6);
      expect({ r: row.r_score, f: row.f_score, m: row.m_score, segment: row.rfm_segment }).toEqual({
        r: rfm[i]!.r,
        f: rfm[i]!.f,
        m: rfm[i]!.m,
        segment: rfm[i]!.segment,
      });
    });
  };

  it('agrees with summarizeOrders and scoreRfm for every contact', async () => {
    await expectAgreementWithDomain(database.db);
  });

  it('agrees with them too when every order is read from the (contact, time) index alone', async () => {
    // The plan a large shop gets: an index-only scan in contact-and-time order. A small table
    // is scanned instead unless sequential scans are ruled out for the connection.
    await sql`VACUUM ANALYZE orders`.execute(database.db);
    const indexOnly = new URL(database.url);
    indexOnly.searchParams.set('options', '-c enable_seqscan=off -c enable_bitmapscan=off');
    const db = createDb(indexOnly.toString(), { max: 1 });
    try {
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT contact_id, placed_at, total
        FROM orders WHERE status = 'paid' ORDER BY contact_id, placed_at`.execute(db);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('Index Only Scan');
      await expectAgreementWithDomain(db);
    } finally {
      await db.destroy();
    }
  });

  it('drops the indicators of a contact whose only paid order was refunded', async () => {
    const lonelyId = await insertContact(database.db, 'lonely@example.com');
    await database.db
      .insertInto('orders')
      .values({
        external_id: 'lonely-1',
        contact_id: lonelyId,
        placed_at: new Date(asOf.getTime() - 3 * DAY),
        total: 30,
        currency: 'EUR',
      })
      .execute();
    await summarizeAndPublish(asOf);
    expect(await indicatorsOf(lonelyId)).toBeDefined();

    await database.db
      .updateTable('orders')
      .set({ status: 'refunded' })
      .where('external_id', '=', 'lonely-1')
      .execute();
    await summarizeAndPublish(new Date(asOf.getTime() + 1000));
    expect(await indicatorsOf(lonelyId)).toBeUndefined();
  });

  it('uses the same purchase-day rule as summarizeOrders for an as-of instant at midnight', async () => {
    const midnight = new Date('2026-08-02T00:00:00Z');
    const contactId = await insertContact(database.db, 'midnight@example.com');
    const own = [
      { placedAt: new Date('2026-07-20T10:00:00Z'), total: 12 },
      { placedAt: new Date('2026-08-01T23:59:59.999Z'), total: 20 },
      { placedAt: new Date('2026-08-02T00:00:00Z'), total: 40 },
      { placedAt: new Date('2026-08-02T18:00:00Z'), total: 80 },
    ];
    await insertOrders(
      database.db,
      'midnight-',
      own.map((o) => ({ ...o, contact: contactId, status: 'paid' })),
    );
    await summarizeAndPublish(midnight);
    const row = await database.db
      .selectFrom('contact_indicators')
      .select(['frequency', 'recency_days', 'age_days', 'monetary_value'])
      .where('contact_id', '=', contactId)
      .executeTakeFirstOrThrow();
    const expected = summarizeOrders(own, midnight)!;
    // The two orders of 1 August and earlier count; those at and after midnight do not.
    expect(expected).toEqual({ frequency: 1, recency: 12, T: 12, monetaryValue: 20 });
    expect({
      frequency: row.frequency,
      recency: row.recency_days,
      T: row.age_days,
      monetaryValue: row.monetary_value,
    }).toEqual(expected);
  });
});
