/**
 * The segment compiler against real rows: a seeded random shop (contacts, indicators, orders) is
 * inserted, and for each definition the expected members are computed independently here with
 * plain JavaScript filters over the same data, then compared with what Postgres returns.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  countSegment,
  createSegment,
  isInSegment,
  type Segment,
  segmentMembers,
} from '../../src/db/segments.js';
import { RFM_SEGMENTS } from '../../src/domain/indicators/rfm.js';
import { PRESET_SEGMENTS } from '../../src/domain/segments/presets.js';
import { useTestDatabase } from '../support/db.js';

const NOW = new Date('2025-06-15T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number): Date => new Date(NOW.getTime() - n * DAY);

/** mulberry32: a small seeded PRNG, so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Indicators {
  clv_12m: number | null;
  forecast_purchases_12m: number | null;
  probability_alive: number | null;
  expected_order_value: number | null;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  rfm_segment: string | null;
  orders_count: number;
  total_spent: number;
  last_order_at: Date | null;
}

interface Order {
  placed_at: Date;
  total: number;
  status: 'paid' | 'cancelled' | 'refunded';
}

interface ShopContact {
  id: number;
  email: string | null;
  phone: string | null;
  country: string | null;
  locale: string | null;
  tags: string[];
  newsletter_status: 'subscribed' | 'unsubscribed' | 'never';
  sms_consent: boolean;
  registered_at: Date | null;
  indicators: Indicators | null;
  orders: Order[];
}

const N = 90;

function generate(): Omit<ShopContact, 'id'>[] {
  const random = prng(20251123);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  const out: Omit<ShopContact, 'id'>[] = [];
  for (let i = 0; i < N; i++) {
    const hasIndicators = random() < 0.75;
    const r = 1 + Math.floor(random() * 5);
    const indicators: Indicators | null = hasIndicators
      ? {
          clv_12m: random() < 0.1 ? null : round2(random() * 300),
          forecast_purchases_12m: random() < 0.1 ? null : round2(random() * 3),
          probability_alive: random() < 0.1 ? null : round2(random()),
          expected_order_value: random() < 0.1 ? null : round2(20 + random() * 80),
          r_score: r,
          f_score: 1 + Math.floor(random() * 5),
          m_score: 1 + Math.floor(random() * 5),
          rfm_segment: random() < 0.1 ? null : i % 4 === 0 ? "Can't Lose Them" : pick(RFM_SEGMENTS),
          orders_count: Math.floor(random() * 6),
          total_spent: round2(random() * 400),
          last_order_at: random() < 0.2 ? null : daysAgo(Math.floor(random() * 60)),
        }
      : null;
    if (indicators && i % 6 === 1) {
      // Low value, low forecast: the "Customers to reengage" profile.
      indicators.clv_12m = round2(random() * 90);
      indicators.forecast_purchases_12m = round2(random() * 0.9);
    }
    const orders: Order[] = [];
    const nOrders = Math.floor(random() * 5);
    for (let k = 0; k < nOrders; k++) {
      // Mostly in the last 30 days, a few just after NOW (which no window may count).
      const offsetHours =
        random() < 0.08 ? -Math.ceil(random() * 48) : Math.floor(random() * 30 * 24);
      orders.push({
        placed_at: new Date(NOW.getTime() - offsetHours * 3_600_000),
        total: round2(5 + random() * 60),
        status: pick(['paid', 'paid', 'paid', 'refunded', 'cancelled'] as const),
      });
    }
    out.push({
      email: random() < 0.85 ? `contact${i}@example.com` : null,
      phone: random() < 0.5 ? `+3461234${String(1000 + i)}` : null,
      country: pick(['FR', 'ES', 'US', null]),
      locale: pick(['fr-FR', 'es-ES', 'en-US', null]),
      tags: ['vip', 'wholesale', 'newsletter'].filter(() => random() < 0.3),
      newsletter_status: pick(['subscribed', 'subscribed', 'unsubscribed', 'never'] as const),
      sms_consent: random() < 0.4,
      registered_at: random() < 0.1 ? null : daysAgo(Math.floor(random() * 400)),
      indicators,
      orders,
    });
  }
  return out;
}

describe('segment compiler on real rows', () => {
  const database = useTestDatabase();
  let shop: ShopContact[];
  let n = 0;

  beforeAll(async () => {
    const db = database.db;
    shop = [];
    for (const [i, c] of generate().entries()) {
      const { id } = await db
        .insertInto('contacts')
        .values({
          external_id: `X${i}`,
          email: c.email,
          phone: c.phone,
          country: c.country,
          locale: c.locale,
          tags: c.tags,
          newsletter_status: c.newsletter_status,
          sms_consent: c.sms_consent,
          registered_at: c.registered_at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (c.indicators) {
        await db
          .insertInto('contact_indicators')
          .values({
            contact_id: id,
            ...c.indicators,
            first_order_at: null,
            frequency: 0,
            recency_days: 0,
            age_days: 0,
            monetary_value: 0,
            computed_at: NOW,
          })
          .execute();
      }
      for (const [k, o] of c.orders.entries()) {
        await db
          .insertInto('orders')
          .values({
            external_id: `O${i}-${k}`,
            contact_id: id,
            placed_at: o.placed_at,
            total: o.total,
            currency: 'EUR',
            status: o.status,
          })
          .execute();
      }
      shop.push({ id, ...c });
    }
  });

  // ---- The independent model: plain JavaScript over the same data ----------------------------
  type Pred = (c: ShopContact) => boolean;
  const ind =
    <K extends keyof Indicators>(k: K, test: (v: NonNullable<Indicators[K]>) => boolean): Pred =>
    (c) => {
      const v = c.indicators?.[k];
      return v !== null && v !== undefined && test(v as NonNullable<Indicators[K]>);
    };
  const some =
    <T>(get: (c: ShopContact) => T | null, test: (v: T) => boolean): Pred =>
    (c) => {
      const v = get(c);
      return v !== null && test(v);
    };
  const paid = (c: ShopContact, withinMs?: number): Order[] =>
    c.orders.filter(
      (o) =>
        o.status === 'paid' &&
        o.placed_at <= NOW &&
        (withinMs === undefined || o.placed_at.getTime() >= NOW.getTime() - withinMs),
    );
  const amount = (orders: Order[]): number => orders.reduce((s, o) => s + o.total, 0);
  const shopAverage = (k: keyof Indicators): number => {
    const values = shop.flatMap((c) =>
      c.indicators && c.indicators[k] !== null ? [c.indicators[k] as number] : [],
    );
    return values.reduce((s, v) => s + v, 0) / values.length;
  };
  /** A value some contact actually has, so that eq / in find something. */
  const valueOf = (k: keyof Indicators, nth: number): number =>
    shop.filter((c) => c.indicators?.[k] != null).map((c) => c.indicators![k] as number)[nth]!;

  const cases: [string, unknown, Pred][] = [
    [
      'newsletter_status eq',
      { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
      (c) => c.newsletter_status === 'subscribed',
    ],
    [
      'newsletter_status neq',
      { field: 'newsletter_status', op: 'neq', value: 'never' },
      (c) => c.newsletter_status !== 'never',
    ],
    [
      'newsletter_status in',
      { field: 'newsletter_status', op: 'in', value: ['unsubscribed', 'never'] },
      (c) => c.newsletter_status !== 'subscribed',
    ],
    [
      'newsletter_status not_in',
      { field: 'newsletter_status', op: 'not_in', value: ['subscribed'] },
      (c) => c.newsletter_status !== 'subscribed',
    ],
    [
      'country eq (normalised)',
      { field: 'country', op: 'eq', value: 'fr' },
      (c) => c.country === 'FR',
    ],
    [
      'country neq (missing is not a match)',
      { field: 'country', op: 'neq', value: 'FR' },
      some(
        (c) => c.country,
        (v) => v !== 'FR',
      ),
    ],
    [
      'country in',
      { field: 'country', op: 'in', value: ['FR', 'ES'] },
      some(
        (c) => c.country,
        (v) => ['FR', 'ES'].includes(v),
      ),
    ],
    [
      'country not_in',
      { field: 'country', op: 'not_in', value: ['US'] },
      some(
        (c) => c.country,
        (v) => v !== 'US',
      ),
    ],
    ['country exists', { field: 'country', op: 'exists' }, (c) => c.country !== null],
    ['country not_exists', { field: 'country', op: 'not_exists' }, (c) => c.country === null],
    ['locale eq', { field: 'locale', op: 'eq', value: 'fr-FR' }, (c) => c.locale === 'fr-FR'],
    [
      'tags contains',
      { field: 'tags', op: 'contains', value: 'vip' },
      (c) => c.tags.includes('vip'),
    ],
    [
      'tags in (any of)',
      { field: 'tags', op: 'in', value: ['vip', 'wholesale'] },
      (c) => c.tags.some((t) => ['vip', 'wholesale'].includes(t)),
    ],
    [
      'tags not_in (none of)',
      { field: 'tags', op: 'not_in', value: ['vip'] },
      (c) => !c.tags.includes('vip'),
    ],
    ['tags exists', { field: 'tags', op: 'exists' }, (c) => c.tags.length > 0],
    ['tags not_exists', { field: 'tags', op: 'not_exists' }, (c) => c.tags.length === 0],
    [
      'registered_at before N days ago',
      { field: 'registered_at', op: 'before', value: '30 days ago' },
      some(
        (c) => c.registered_at,
        (d) => d < daysAgo(30),
      ),
    ],
    [
      'registered_at after a date',
      { field: 'registered_at', op: 'after', value: '2025-01-01' },
      some(
        (c) => c.registered_at,
        (d) => d > new Date('2025-01-01T00:00:00Z'),
      ),
    ],
    [
      'registered_at not_exists',
      { field: 'registered_at', op: 'not_exists' },
      (c) => c.registered_at === null,
    ],
    ['email exists', { field: 'email', op: 'exists' }, (c) => c.email !== null],
    ['email not_exists', { field: 'email', op: 'not_exists' }, (c) => c.email === null],
    ['phone exists', { field: 'phone', op: 'exists' }, (c) => c.phone !== null],
    ['sms_consent eq', { field: 'sms_consent', op: 'eq', value: true }, (c) => c.sms_consent],
    ['sms_consent neq', { field: 'sms_consent', op: 'neq', value: true }, (c) => !c.sms_consent],
    ['clv_12m lt', { field: 'clv_12m', op: 'lt', value: 100 }, ind('clv_12m', (v) => v < 100)],
    ['clv_12m lte', { field: 'clv_12m', op: 'lte', value: 150 }, ind('clv_12m', (v) => v <= 150)],
    ['clv_12m gt', { field: 'clv_12m', op: 'gt', value: 200 }, ind('clv_12m', (v) => v > 200)],
    ['clv_12m gte', { field: 'clv_12m', op: 'gte', value: 50 }, ind('clv_12m', (v) => v >= 50)],
    [
      'clv_12m neq (no indicators is not a match)',
      { field: 'clv_12m', op: 'neq', value: 100 },
      ind('clv_12m', (v) => v !== 100),
    ],
    ['clv_12m exists', { field: 'clv_12m', op: 'exists' }, ind('clv_12m', () => true)],
    [
      'clv_12m not_exists',
      { field: 'clv_12m', op: 'not_exists' },
      (c) => c.indicators?.clv_12m == null,
    ],
    [
      'forecast_purchases_12m lt',
      { field: 'forecast_purchases_12m', op: 'lt', value: 1 },
      ind('forecast_purchases_12m', (v) => v < 1),
    ],
    [
      'probability_alive gte',
      { field: 'probability_alive', op: 'gte', value: 0.5 },
      ind('probability_alive', (v) => v >= 0.5),
    ],
    [
      'expected_order_value gt',
      { field: 'expected_order_value', op: 'gt', value: 60 },
      ind('expected_order_value', (v) => v > 60),
    ],
    ['r_score eq', { field: 'r_score', op: 'eq', value: 5 }, ind('r_score', (v) => v === 5)],
    [
      'f_score in',
      { field: 'f_score', op: 'in', value: [1, 2] },
      ind('f_score', (v) => v === 1 || v === 2),
    ],
    [
      'm_score not_in',
      { field: 'm_score', op: 'not_in', value: [5] },
      ind('m_score', (v) => v !== 5),
    ],
    [
      'rfm_segment eq',
      { field: 'rfm_segment', op: 'eq', value: "Can't Lose Them" },
      ind('rfm_segment', (v) => v === "Can't Lose Them"),
    ],
    [
      'rfm_segment neq',
      { field: 'rfm_segment', op: 'neq', value: "Can't Lose Them" },
      ind('rfm_segment', (v) => v !== "Can't Lose Them"),
    ],
    [
      'rfm_segment in',
      { field: 'rfm_segment', op: 'in', value: ['Champions', 'Loyal'] },
      ind('rfm_segment', (v) => v === 'Champions' || v === 'Loyal'),
    ],
    [
      'rfm_segment not_exists',
      { field: 'rfm_segment', op: 'not_exists' },
      (c) => c.indicators?.rfm_segment == null,
    ],
    [
      'orders_count gte',
      { field: 'orders_count', op: 'gte', value: 3 },
      ind('orders_count', (v) => v >= 3),
    ],
    [
      'total_spent lt',
      { field: 'total_spent', op: 'lt', value: 100 },
      ind('total_spent', (v) => v < 100),
    ],
    [
      'last_order_at after N days ago',
      { field: 'last_order_at', op: 'after', value: '10 days ago' },
      ind('last_order_at', (d) => d > daysAgo(10)),
    ],
    [
      'last_order_at before a date',
      { field: 'last_order_at', op: 'before', value: '2025-06-01T00:00:00Z' },
      ind('last_order_at', (d) => d < new Date('2025-06-01T00:00:00Z')),
    ],
    [
      'purchases_count gt 0 within 7 days',
      { field: 'purchases_count', op: 'gt', value: 0, within: '7 days' },
      (c) => paid(c, 7 * DAY).length > 0,
    ],
    [
      'purchases_count eq 0 (all time)',
      { field: 'purchases_count', op: 'eq', value: 0 },
      (c) => paid(c).length === 0,
    ],
    [
      'purchases_count gte 2 within 30 days',
      { field: 'purchases_count', op: 'gte', value: 2, within: '30 days' },
      (c) => paid(c, 30 * DAY).length >= 2,
    ],
    [
      'purchases_count lt 2 within 8 hours',
      { field: 'purchases_count', op: 'lt', value: 1, within: '8 hours' },
      (c) => paid(c, 8 * 3_600_000).length < 1,
    ],
    [
      'purchases_count lte 1',
      { field: 'purchases_count', op: 'lte', value: 1 },
      (c) => paid(c).length <= 1,
    ],
    [
      'purchases_count neq 1',
      { field: 'purchases_count', op: 'neq', value: 1 },
      (c) => paid(c).length !== 1,
    ],
    [
      'purchases_amount gte within 14 days',
      { field: 'purchases_amount', op: 'gte', value: 50, within: '2 weeks' },
      (c) => amount(paid(c, 14 * DAY)) >= 50,
    ],
    [
      'purchases_amount lt (all time)',
      { field: 'purchases_amount', op: 'lt', value: 40 },
      (c) => amount(paid(c)) < 40,
    ],
    [
      'purchases_amount gt within 3 days',
      { field: 'purchases_amount', op: 'gt', value: 0, within: '3d' },
      (c) => amount(paid(c, 3 * DAY)) > 0,
    ],
  ];

  const definitionOf = (condition: unknown) => ({ match: 'all', conditions: [condition] });

  async function check(
    name: string,
    definition: unknown,
    expected: Pred,
    opts: { nonTrivial?: boolean } = {},
  ): Promise<Segment> {
    const segment = await createSegment(database.db, { name: `${name} #${++n}`, definition });
    const want = shop.filter(expected).map((c) => c.id);
    if (opts.nonTrivial !== false) {
      // The data set must make the case mean something: some contacts in, some out.
      expect(want.length, `${name}: expected members`).toBeGreaterThan(0);
      expect(want.length, `${name}: expected non-members`).toBeLessThan(shop.length);
    }
    const members = await segmentMembers(database.db, segment, { now: NOW, limit: 1000 });
    expect(
      members.map((m) => m.id),
      name,
    ).toEqual(want);
    expect(await countSegment(database.db, segment, { now: NOW }), name).toBe(want.length);
    return segment;
  }

  it.each(cases)('%s', async (name, condition, expected) => {
    await check(name, definitionOf(condition), expected);
  });

  it('compares with the shop average over contacts that have the indicator (optionally times a factor)', async () => {
    const avg = shopAverage('clv_12m');
    await check(
      'below average clv',
      definitionOf({ field: 'clv_12m', op: 'lt', value: { shopAverage: true } }),
      ind('clv_12m', (v) => v < avg),
    );
    await check(
      'well above average clv',
      definitionOf({ field: 'clv_12m', op: 'gte', value: { shopAverage: true, factor: 1.5 } }),
      ind('clv_12m', (v) => v >= 1.5 * avg),
    );
    const avgForecast = shopAverage('forecast_purchases_12m');
    await check(
      'forecast above average',
      definitionOf({ field: 'forecast_purchases_12m', op: 'gt', value: { shopAverage: true } }),
      ind('forecast_purchases_12m', (v) => v > avgForecast),
    );
  });

  it('matches eq and in on exact indicator values', async () => {
    const v1 = valueOf('clv_12m', 3);
    const v2 = valueOf('clv_12m', 7);
    await check(
      'clv eq',
      definitionOf({ field: 'clv_12m', op: 'eq', value: v1 }),
      ind('clv_12m', (v) => v === v1),
    );
    await check(
      'clv in',
      definitionOf({ field: 'clv_12m', op: 'in', value: [v1, v2] }),
      ind('clv_12m', (v) => v === v1 || v === v2),
    );
    await check(
      'clv not_in',
      definitionOf({ field: 'clv_12m', op: 'not_in', value: [v1, v2] }),
      ind('clv_12m', (v) => v !== v1 && v !== v2),
    );
  });

  it('evaluates nested all / any groups', async () => {
    const definition = {
      match: 'all',
      conditions: [
        { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
        {
          match: 'any',
          conditions: [
            { field: 'tags', op: 'contains', value: 'vip' },
            {
              match: 'all',
              conditions: [
                { field: 'clv_12m', op: 'gt', value: 150 },
                { field: 'country', op: 'in', value: ['FR', 'ES'] },
              ],
            },
            { field: 'purchases_count', op: 'gte', value: 2, within: '7 days' },
          ],
        },
      ],
    };
    await check(
      'nested',
      definition,
      (c) =>
        c.newsletter_status === 'subscribed' &&
        (c.tags.includes('vip') ||
          ((c.indicators?.clv_12m ?? -1) > 150 && ['FR', 'ES'].includes(c.country ?? '')) ||
          paid(c, 7 * DAY).length >= 2),
    );
    await check(
      'top-level any',
      {
        match: 'any',
        conditions: [
          { field: 'phone', op: 'exists' },
          { field: 'rfm_segment', op: 'eq', value: 'Champions' },
        ],
      },
      (c) => c.phone !== null || c.indicators?.rfm_segment === 'Champions',
    );
  });

  it('an empty all-group is every contact, an empty any-group none', async () => {
    await check('everyone', { match: 'all', conditions: [] }, () => true, { nonTrivial: false });
    await check('no one', { match: 'any', conditions: [] }, () => false, { nonTrivial: false });
  });

  it('evaluates the shipped presets as the seed describes them', async () => {
    const [reengage, cantLose] = PRESET_SEGMENTS;
    await check(
      `preset ${reengage!.name}`,
      reengage!.definition,
      (c) =>
        c.newsletter_status === 'subscribed' &&
        (c.indicators?.clv_12m ?? Infinity) < 100 &&
        (c.indicators?.forecast_purchases_12m ?? Infinity) < 1,
    );
    await check(
      `preset ${cantLose!.name}`,
      cantLose!.definition,
      (c) =>
        c.newsletter_status === 'subscribed' && c.indicators?.rfm_segment === "Can't Lose Them",
    );
  });

  it('isInSegment agrees with segmentMembers for every contact', async () => {
    const definition = {
      match: 'any',
      conditions: [
        { field: 'clv_12m', op: 'lt', value: { shopAverage: true } },
        {
          match: 'all',
          conditions: [
            { field: 'purchases_amount', op: 'gt', value: 30, within: '14 days' },
            { field: 'sms_consent', op: 'eq', value: true },
          ],
        },
      ],
    };
    const segment = await createSegment(database.db, { name: 'agreement', definition });
    const members = new Set(
      (await segmentMembers(database.db, segment, { now: NOW, limit: 1000 })).map((c) => c.id),
    );
    expect(members.size).toBeGreaterThan(0);
    expect(members.size).toBeLessThan(shop.length);
    for (const c of shop) {
      expect(await isInSegment(database.db, c.id, segment, { now: NOW }), `contact ${c.id}`).toBe(
        members.has(c.id),
      );
    }
    // By name too, and paged members add up to the count.
    const first = shop.find((c) => members.has(c.id))!;
    expect(await isInSegment(database.db, first.id, 'agreement', { now: NOW })).toBe(true);
    const pages = [
      ...(await segmentMembers(database.db, 'agreement', { now: NOW, limit: 7 })),
      ...(await segmentMembers(database.db, 'agreement', { now: NOW, limit: 7, offset: 7 })),
      ...(await segmentMembers(database.db, 'agreement', { now: NOW, limit: 1000, offset: 14 })),
    ];
    expect(pages.map((c) => c.id)).toEqual([...members].sort((a, b) => a - b));
    const afterId = [...members].sort((a, b) => a - b)[2]!;
    expect(
      (await segmentMembers(database.db, 'agreement', { now: NOW, afterId, limit: 3 })).every(
        (c) => c.id > afterId,
      ),
    ).toBe(true);
    expect(await countSegment(database.db, 'agreement', { now: NOW })).toBe(members.size);
  });

  it('compiles to one parameterised query: values never appear in the SQL text', async () => {
    const { dynamicSegmentQuery } = await import('../../src/db/segments.js');
    const { parseSegmentDefinition } = await import('../../src/domain/segments/definition.js');
    const definition = parseSegmentDefinition({
      conditions: [
        { field: 'country', op: 'eq', value: 'FR' },
        { field: 'tags', op: 'contains', value: "o'brien'); DROP TABLE contacts; --" },
        { field: 'rfm_segment', op: 'eq', value: "Can't Lose Them" },
        { field: 'purchases_count', op: 'gt', value: 0, within: '7 days' },
        { field: 'clv_12m', op: 'lt', value: { shopAverage: true, factor: 0.8 } },
      ],
    });
    const compiled = dynamicSegmentQuery(database.db, definition as never, NOW)
      .select('c.id')
      .compile();
    expect(compiled.sql).not.toContain("o'brien");
    expect(compiled.sql).not.toContain('Lose');
    expect(compiled.sql).not.toContain('0.8');
    expect(compiled.parameters).toEqual(
      expect.arrayContaining(['FR', "o'brien'); DROP TABLE contacts; --", "Can't Lose Them", 0.8]),
    );
    // And it runs: the odd tag is just a value nobody has.
    expect((await compiled.query) && (await database.db.executeQuery(compiled)).rows).toEqual([]);
  });
});
