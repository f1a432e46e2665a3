/**
 * GET /metrics: the Prometheus text format, parsed back by the test, against counts computed from
 * the inserted rows (test/reports/fixture.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, renderPrometheus } from '../../src/reports/prometheus.js';
import { useTestDatabase } from '../support/db.js';
import { type Fixture, seedReportFixture } from '../reports/fixture.js';
import { type RouteServer } from '../reports/route-server.js';
import { OPERATOR_BEARER, OPERATOR_KEY, startReportServer } from './support.js';

interface ParsedFamily {
  help?: string;
  type?: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/** A strict reader of the text format: HELP/TYPE before samples, escaped label values. */
function parsePrometheus(text: string): Map<string, ParsedFamily> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, ParsedFamily>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) {
      family(m[1]!).help = m[2]!.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
    } else if (
      (m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(
        line,
      ))
    ) {
      const f = family(m[1]!);
      expect(f.samples, `TYPE of ${m[1]} before its samples`).toEqual([]);
      f.type = m[2]!;
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line))) {
      const f = families.get(m[1]!);
      expect(f?.type, `${m[1]} has a TYPE line`).toBeDefined();
      const labels: Record<string, string> = {};
      const body = m[2] ?? '';
      let i = 0;
      while (i < body.length) {
        const name = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(body.slice(i));
        expect(name, `label at ${body.slice(i)}`).not.toBeNull();
        i += name![0].length;
        let value = '';
        while (body[i] !== '"') {
          if (body[i] === '\\') {
            const next = body[i + 1];
            expect(['\\', '"', 'n']).toContain(next);
            value += next === 'n' ? '\n' : next;
            i += 2;
          } else {
            expect(body[i], 'no raw line feed in a label value').not.toBe('\n');
            value += body[i];
            i++;
          }
        }
        labels[name![1]!] = value;
        i++;
        if (body[i] === ',') i++;
      }
      f!.samples.push({ labels, value: Number(m[3]) });
    } else {
      throw new Error(`not a line of the text format: ${JSON.stringify(line)}`);
    }
  }
  return families;
}

const valueOf = (f: ParsedFamily | undefined, labels: Record<string, string>) =>
  f?.samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe('Prometheus text format', () => {
  it('escapes label values and help text', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('one\\two\nthree "q"')).toBe('one\\\\two\\nthree "q"');
    const text = renderPrometheus([
      {
        name: 'x_total',
        help: 'A "help"\nline',
        type: 'counter',
        samples: [
          { labels: { a: 'q"uo\\te\n' }, value: 3 },
          { labels: {}, value: 0 },
        ],
      },
      {
        name: 'y',
        help: 'gauge',
        type: 'gauge',
        samples: [
          { labels: { b: '1', c: '2' }, value: 1.5 },
          { labels: {}, value: NaN },
        ],
      },
    ]);
    expect(text).toBe(
      '# HELP x_total A "help"\\nline\n# TYPE x_total counter\nx_total{a="q\\"uo\\\\te\\n"} 3\nx_total 0\n# HELP y gauge\n# TYPE y gauge\ny{b="1",c="2"} 1.5\ny NaN\n',
    );
    const parsed = parsePrometheus(text);
    expect(parsed.get('x_total')).toEqual({
      help: 'A "help"\nline',
      type: 'counter',
      samples: [
        { labels: { a: 'q"uo\\te\n' }, value: 3 },
        { labels: {}, value: 0 },
      ],
    });
    expect(() =>
      renderPrometheus([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]),
    ).toThrow(/invalid metric name/);
    expect(() =>
      renderPrometheus([
        {
          name: 'ok',
          help: '',
          type: 'gauge',
          samples: [{ labels: { 'bad-label': 'x' }, value: 1 }],
        },
      ]),
    ).toThrow(/invalid label name/);
  });
});

describe('GET /metrics', () => {
  const database = useTestDatabase();
  let fx: Fixture;
  let server: RouteServer;

  beforeAll(async () => {
    fx = await seedReportFixture(database.db);
    // A journey whose end reason needs escaping.
    await database.db
      .insertInto('journeys')
      .values({
        workflow_id: 'inactive/odd',
        campaign_id: 'inactive',
        contact_id: fx.contactIds[0]!,
        enrolled_at: new Date(),
        ended_at: new Date(),
        end_reason: 'odd "reason"\\\nline',
      })
      .execute();
    server = await startReportServer(database.db);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers the text format with the counts of the inserted rows', async () => {
    const res = await fetch(`${server.base}/metrics`, { headers: OPERATOR_BEARER });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const metrics = parsePrometheus(await res.text());

    expect([...metrics.keys()]).toEqual([
      'boomerang_journeys_started_total',
      'boomerang_journeys_completed_total',
      'boomerang_messages_total',
      'boomerang_inbox_events',
      'boomerang_journey_starts_queued',
      'boomerang_journey_starts_oldest_age_seconds',
      'boomerang_coupons_available',
      'boomerang_coupon_pool_low',
    ]);
    for (const [name, f] of metrics) {
      expect(f.help, name).toMatch(/\S/);
      expect(f.type, name).toBe(name.endsWith('_total') ? 'counter' : 'gauge');
    }

    const journeys = [
      ...fx.journeys,
      { campaign_id: 'inactive', ended_at: new Date(), end_reason: 'odd "reason"\\\nline' },
    ];
    const started = metrics.get('boomerang_journeys_started_total')!;
    for (const campaign of ['low-clv', 'welcome', 'inactive']) {
      expect(valueOf(started, { campaign })).toBe(
        journeys.filter((j) => j.campaign_id === campaign).length,
      );
    }
    const completed = metrics.get('boomerang_journeys_completed_total')!;
    const ended = new Map<string, number>();
    for (const j of journeys.filter((j) => j.ended_at))
      ended.set(
        JSON.stringify({ campaign: j.campaign_id, reason: j.end_reason }),
        (ended.get(JSON.stringify({ campaign: j.campaign_id, reason: j.end_reason })) ?? 0) + 1,
      );
    expect(new Map(completed.samples.map((s) => [JSON.stringify(s.labels), s.value]))).toEqual(
      ended,
    );
    expect(valueOf(completed, { campaign: 'inactive', reason: 'odd "reason"\\\nline' })).toBe(1);

    const messages = metrics.get('boomerang_messages_total')!;
    for (const channel of ['email', 'sms'] as const) {
      expect(valueOf(messages, { channel, status: 'sent' })).toBe(
        fx.messages.filter((m) => m.channel === channel && m.status === 'sent').length,
      );
      expect(valueOf(messages, { channel, status: 'failed' })).toBe(
        fx.messages.filter((m) => m.channel === channel && m.status === 'failed').length,
      );
      expect(valueOf(messages, { channel, status: 'skipped' })).toBe(
        fx.events.filter((e) => e.type === 'message_skipped' && e.detail.channel === channel)
          .length,
      );
    }
    expect(valueOf(messages, { channel: 'sms', status: 'failed' })).toBe(0); // present at 0

    const available = metrics.get('boomerang_coupons_available')!;
    const low = metrics.get('boomerang_coupon_pool_low')!;
    for (const set of fx.sets) {
      const free = fx.coupons.filter((c) => c.set_id === set.id && !c.assignment_key).length;
      expect(valueOf(available, { set: set.id })).toBe(free);
      expect(valueOf(low, { set: set.id })).toBe(free < set.threshold ? 1 : 0);
    }
    expect(valueOf(low, { set: 'low-clv' })).toBe(1);
    expect(valueOf(low, { set: 'welcome' })).toBe(0);
  });

  it('is computed on each scrape', async () => {
    await database.db
      .insertInto('coupons')
      .values(Array.from({ length: 10 }, (_, i) => ({ set_id: 'low-clv', code: `MORE-${i}` })))
      .execute();
    const metrics = parsePrometheus(
      await (await fetch(`${server.base}/metrics`, { headers: OPERATOR_BEARER })).text(),
    );
    expect(valueOf(metrics.get('boomerang_coupons_available'), { set: 'low-clv' })).toBe(13);
    expect(valueOf(metrics.get('boomerang_coupon_pool_low'), { set: 'low-clv' })).toBe(0);
    await database.db.deleteFrom('coupons').where('code', 'like', 'MORE-%').execute();
  });

  it('wants the operator key as a bearer token, unless the metrics are explicitly public', async () => {
    const anonymous = await fetch(`${server.base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain(
      'Bearer realm="boomerang operator"',
    );
    expect(await anonymous.text()).not.toContain('boomerang_journeys');
    const wrong = await fetch(`${server.base}/metrics`, {
      headers: { authorization: `Bearer ${OPERATOR_KEY}x` },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');

    const open = await startReportServer(database.db, { metricsPublic: true });
    try {
      const scraped = await fetch(`${open.base}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('boomerang_journeys_started_total');
      // Public metrics open nothing else.
      expect((await fetch(`${open.base}/api/report`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('is read-only: other methods are refused', async () => {
    const res = await fetch(`${server.base}/metrics`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
