/**
 * One key convention for every `--json` output: camelCase (README "Command line"). Runs the
 * commands that need only the database on a contact that has indicators, a segment and a journey,
 * and checks every key at every depth. Keys that are data (segment definitions) are values here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { upsertContact } from '../../src/db/contacts.js';
import { createSegment } from '../../src/db/segments.js';
import { useTestDatabase } from '../support/db.js';
import { insertJourneyRow } from '../support/campaigns.js';
import { runCli } from './support.js';

const database = useTestDatabase();
let contactId: number;

beforeAll(async () => {
  const db = database.db;
  contactId = (
    await upsertContact(db, {
      externalId: 'J1',
      email: 'jo@example.com',
      firstName: 'Jo',
      newsletterStatus: 'subscribed',
    })
  ).contact.id;
  await db
    .insertInto('contact_indicators')
    .values({
      contact_id: contactId,
      orders_count: 2,
      total_spent: 80,
      first_order_at: new Date('2026-01-01T00:00:00Z'),
      last_order_at: new Date('2026-03-01T00:00:00Z'),
      frequency: 1,
      recency_days: 59,
      age_days: 300,
      monetary_value: 40,
      r_score: 3,
      f_score: 2,
      m_score: 4,
      rfm_segment: 'Loyal customers',
      probability_alive: 0.8,
      forecast_purchases_12m: 1.2,
      expected_order_value: 41,
      clv_12m: 49.2,
      computed_at: new Date(),
    })
    .execute();
  const segment = await createSegment(db, {
    name: 'VIP',
    definition: {
      match: 'all',
      conditions: [{ field: 'newsletter_status', op: 'eq', value: 'subscribed' }],
    },
  });
  await db
    .insertInto('segment_memberships')
    .values({ segment_id: segment.id, contact_id: contactId, entered_at: new Date() })
    .execute();
  await saveCampaign(db, {
    id: 'welcome',
    name: 'Welcome',
    kind: 'welcome_voucher',
    couponSet: 'w',
  });
  await insertJourneyRow(db, 'welcome', contactId, { holdout: false, enrolled_at: new Date() });
});

/** Every object key in `value`, at any depth, that is not camelCase. */
function nonCamelKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonCamelKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/^[a-z][a-zA-Z0-9]*$/.test(k) ? [] : [`${path}.${k}`]),
    ...(k === 'definition' ? [] : nonCamelKeys(v, `${path}.${k}`)),
  ]);
}

describe('--json output', () => {
  it.each([
    [['contact', 'show', 'J1', '--json']],
    [['segment', 'list', '--json']],
    [['segment', 'show', 'VIP', '--json']],
    [['segment', 'members', 'VIP', '--json']],
    [['segment', 'fields', '--json']],
    [['coupons', 'status', '--json']],
  ])('boomerang %j uses camelCase keys only', async (args) => {
    const run = await runCli(database.url, args);
    expect(run.code, run.stderr).toBe(0);
    const json: unknown = JSON.parse(run.stdout);
    expect(nonCamelKeys(json)).toEqual([]);
  });

  it('contact show has the indicators, segments and journeys under camelCase names', async () => {
    const run = await runCli(database.url, ['contact', 'show', 'J1', '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      contact: { id: contactId, firstName: 'Jo', newsletterStatus: 'subscribed' },
      indicators: { ordersCount: 2, clv12m: 49.2, rfmSegment: 'Loyal customers' },
      segments: [{ name: 'VIP', enteredAt: expect.any(String) }],
      journeys: [{ workflowId: `welcome/${contactId}`, campaignId: 'welcome', endReason: null }],
    });
  });
});
