import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ContactWindow,
  contactWindowSchema,
  isWithinWindow,
  nextWindowStart,
  parseContactWindow,
  timeZoneOffsetMs,
  wallClock,
} from '../../src/domain/contact-window.js';

const MADRID = 'Europe/Madrid';
/** Mon–Fri 09:00–20:00, Sat 10:00–14:00 */
const SHOP_HOURS: ContactWindow = {
  ranges: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' },
    { days: ['sat'], from: '10:00', to: '14:00' },
  ],
};
const EVERY_DAY = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const };

const at = (iso: string) => new Date(iso);
const next = (window: Parameters<typeof nextWindowStart>[0], now: string, tz = MADRID) =>
  nextWindowStart(window, at(now), tz).toISOString();

describe('nextWindowStart on ordinary days (Europe/Madrid, CET = UTC+1)', () => {
  it('is now itself inside the window', () => {
    expect(next(SHOP_HOURS, '2026-11-25T11:00:00.000Z')).toBe('2026-11-25T11:00:00.000Z'); // Wed 12:00
    expect(next(SHOP_HOURS, '2026-11-25T08:00:00.000Z')).toBe('2026-11-25T08:00:00.000Z'); // Wed 09:00 sharp: open
    expect(next(SHOP_HOURS, '2026-11-28T12:59:59.999Z')).toBe('2026-11-28T12:59:59.999Z'); // Sat 13:59:59.999
  });

  it("is the same day's opening before it", () => {
    expect(next(SHOP_HOURS, '2026-11-25T06:30:00.000Z')).toBe('2026-11-25T08:00:00.000Z'); // Wed 07:30 → 09:00
    expect(next(SHOP_HOURS, '2026-11-25T07:59:59.999Z')).toBe('2026-11-25T08:00:00.000Z');
  });

  it('is the next open day after closing (the end is exclusive)', () => {
    expect(next(SHOP_HOURS, '2026-11-25T19:00:00.000Z')).toBe('2026-11-26T08:00:00.000Z'); // Wed 20:00 → Thu 09:00
    expect(next(SHOP_HOURS, '2026-11-27T20:00:00.000Z')).toBe('2026-11-28T09:00:00.000Z'); // Fri 21:00 → Sat 10:00
    expect(next(SHOP_HOURS, '2026-11-28T14:00:00.000Z')).toBe('2026-11-30T08:00:00.000Z'); // Sat 15:00 → Mon 09:00
    expect(next(SHOP_HOURS, '2026-11-29T10:00:00.000Z')).toBe('2026-11-30T08:00:00.000Z'); // Sun → Mon 09:00
  });

  it('takes the earliest of several ranges on a day', () => {
    const split = {
      ranges: [
        { days: ['sat' as const], from: '16:00', to: '18:00' },
        { days: ['sat' as const], from: '10:00', to: '14:00' },
      ],
    };
    expect(next(split, '2026-11-28T08:00:00.000Z')).toBe('2026-11-28T09:00:00.000Z'); // Sat 09:00 → 10:00
    expect(next(split, '2026-11-28T13:30:00.000Z')).toBe('2026-11-28T15:00:00.000Z'); // Sat 14:30 → 16:00
    expect(next(split, '2026-11-28T17:00:00.000Z')).toBe('2026-12-05T09:00:00.000Z'); // Sat 18:00 → next Sat 10:00
  });

  it('accepts a window that runs to midnight, and one range written alone or in a list', () => {
    const late = { days: ['fri' as const], from: '22:00', to: '24:00' };
    expect(next(late, '2026-11-27T22:30:00.000Z')).toBe('2026-11-27T22:30:00.000Z'); // Fri 23:30: inside
    expect(next(late, '2026-11-27T23:00:00.000Z')).toBe('2026-12-04T21:00:00.000Z'); // Sat 00:00: next Fri 22:00
    expect(next([late], '2026-11-27T12:00:00.000Z')).toBe('2026-11-27T21:00:00.000Z');
  });
});

describe('nextWindowStart across DST (Europe/Madrid)', () => {
  // 2026-03-29: 02:00 CET (UTC+1) → 03:00 CEST (UTC+2), at 01:00Z.
  // 2026-10-25: 03:00 CEST → 02:00 CET, at 01:00Z; 02:00–02:59 happens twice.

  it('opens at local 09:00 on the day the clocks spring forward', () => {
    expect(next({ ...EVERY_DAY, from: '09:00', to: '20:00' }, '2026-03-28T20:00:00.000Z')).toBe(
      '2026-03-29T07:00:00.000Z',
    ); // Sat 21:00 CET → Sun 09:00 CEST
  });

  it('opens at the end of the gap when the opening time does not exist', () => {
    const sunday = { days: ['sun' as const], from: '02:30', to: '04:00' };
    expect(next(sunday, '2026-03-28T22:00:00.000Z')).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST, the first instant after the gap
    expect(isWithinWindow(sunday, at('2026-03-29T00:59:59.000Z'), MADRID)).toBe(false); // 01:59:59 CET
    expect(isWithinWindow(sunday, at('2026-03-29T01:00:00.000Z'), MADRID)).toBe(true); // 03:00 CEST
  });

  it('skips a window that falls wholly in the gap that day', () => {
    const gap = { days: ['sun' as const], from: '02:00', to: '02:30' };
    expect(next(gap, '2026-03-28T22:00:00.000Z')).toBe('2026-04-05T00:00:00.000Z'); // next Sunday 02:00 CEST
  });

  it('opens at local 09:00 on the day the clocks fall back', () => {
    expect(next({ ...EVERY_DAY, from: '09:00', to: '20:00' }, '2026-10-24T19:00:00.000Z')).toBe(
      '2026-10-25T08:00:00.000Z',
    ); // Sat 21:00 CEST → Sun 09:00 CET
    expect(next(SHOP_HOURS, '2026-10-24T12:00:00.000Z')).toBe('2026-10-26T08:00:00.000Z'); // Sat 14:00 CEST → Mon 09:00 CET
  });

  it('opens twice for a wall-clock time that happens twice', () => {
    const twice = { days: ['sun' as const], from: '02:15', to: '02:45' };
    expect(next(twice, '2026-10-24T22:00:00.000Z')).toBe('2026-10-25T00:15:00.000Z'); // first 02:15 (CEST)
    expect(next(twice, '2026-10-25T00:50:00.000Z')).toBe('2026-10-25T01:15:00.000Z'); // after the first 02:45: the second 02:15 (CET)
  });

  it('reopens at the instant the clocks fall back into a window', () => {
    const early = { days: ['sun' as const], from: '01:00', to: '02:30' };
    // 02:40 CEST is past the window, but at 03:00 CEST the clock reads 02:00 CET: inside again.
    expect(next(early, '2026-10-25T00:40:00.000Z')).toBe('2026-10-25T01:00:00.000Z');
  });
});

describe('nextWindowStart east of UTC, where the local day is not the UTC day', () => {
  it('uses the local weekday and date (Asia/Tokyo, UTC+9)', () => {
    // Tue 20:00Z = Wed 05:00 JST → Wed 09:00 JST = Wed 00:00Z
    expect(next(SHOP_HOURS, '2026-11-24T20:00:00.000Z', 'Asia/Tokyo')).toBe(
      '2026-11-25T00:00:00.000Z',
    );
    // Fri 16:00Z = Sat 01:00 JST → Sat 10:00 JST = Sat 01:00Z
    expect(next(SHOP_HOURS, '2026-11-27T16:00:00.000Z', 'Asia/Tokyo')).toBe(
      '2026-11-28T01:00:00.000Z',
    );
    // Sat 06:00Z = Sat 15:00 JST → Mon 09:00 JST = Mon 00:00Z
    expect(next(SHOP_HOURS, '2026-11-28T06:00:00.000Z', 'Asia/Tokyo')).toBe(
      '2026-11-30T00:00:00.000Z',
    );
  });

  it('crosses midnight at UTC+14 (Pacific/Kiritimati)', () => {
    // Mon 10:00Z is already Tue 00:00 there: Monday's window is over; next Monday 09:00 = Sun 19:00Z.
    expect(
      next(
        { days: ['mon'], from: '09:00', to: '20:00' },
        '2026-11-23T10:00:00.000Z',
        'Pacific/Kiritimati',
      ),
    ).toBe('2026-11-29T19:00:00.000Z');
    expect(wallClock(at('2026-11-23T10:00:00.000Z'), 'Pacific/Kiritimati')).toEqual({
      weekday: 'tue',
      date: '2026-11-24',
      minutes: 0,
    });
  });

  it('handles DST east of UTC (Pacific/Auckland springs forward 2026-09-27, +12 → +13)', () => {
    // Sat 21:00 NZST (09:00Z) → Sun 09:00 NZDT = Sat 20:00Z
    expect(
      next(
        { ...EVERY_DAY, from: '09:00', to: '20:00' },
        '2026-09-26T09:00:00.000Z',
        'Pacific/Auckland',
      ),
    ).toBe('2026-09-26T20:00:00.000Z');
    expect(timeZoneOffsetMs('Pacific/Auckland', Date.parse('2026-09-26T13:59:59Z'))).toBe(
      12 * 3_600_000,
    );
    expect(timeZoneOffsetMs('Pacific/Auckland', Date.parse('2026-09-26T14:00:00Z'))).toBe(
      13 * 3_600_000,
    );
  });

  it('handles zones west of UTC too (America/New_York, back to EST on 2026-11-01)', () => {
    // Sat 31 Oct 15:00 EDT (19:00Z) → Mon 2 Nov 09:00 EST = 14:00Z
    expect(next(SHOP_HOURS, '2026-10-31T19:00:00.000Z', 'America/New_York')).toBe(
      '2026-11-02T14:00:00.000Z',
    );
  });
});

describe('nextWindowStart, by brute force', () => {
  // A deterministic pseudo-random walk over a year of instants and zones.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const zones = [
    MADRID,
    'Asia/Tokyo',
    'Pacific/Auckland',
    'America/New_York',
    'Australia/Lord_Howe',
    'UTC',
  ];
  const windows = [
    SHOP_HOURS,
    { ranges: [{ days: ['sun' as const], from: '02:15', to: '02:45' }] },
    { ranges: [{ ...EVERY_DAY, days: [...EVERY_DAY.days], from: '00:00', to: '00:30' }] },
  ];

  it('returns an instant inside the window with nothing inside between now and it', () => {
    for (let i = 0; i < 40; i++) {
      const zone = zones[i % zones.length]!;
      const window = windows[i % windows.length]!;
      const now = new Date(
        Date.parse('2026-01-01T00:00:00Z') + Math.floor(random() * 365 * 24 * 60) * 60_000 + 30_000,
      );
      const opens = nextWindowStart(window, now, zone);
      const label = `${zone} ${JSON.stringify(window)} from ${now.toISOString()} → ${opens.toISOString()}`;
      expect(opens.getTime(), label).toBeGreaterThanOrEqual(now.getTime());
      expect(isWithinWindow(window, opens, zone), label).toBe(true);
      if (opens.getTime() > now.getTime())
        expect(isWithinWindow(window, new Date(opens.getTime() - 1000), zone), label).toBe(false);
      for (let t = now.getTime(); t < opens.getTime(); t += 5 * 60_000)
        expect(
          isWithinWindow(window, new Date(t), zone),
          `${label} at ${new Date(t).toISOString()}`,
        ).toBe(false);
    }
  });
});

describe('contact window schema', () => {
  it('accepts a window, a single range or a list of ranges, always as { ranges }', () => {
    expect(contactWindowSchema.parse(SHOP_HOURS)).toEqual(SHOP_HOURS);
    expect(parseContactWindow({ days: ['mon'], from: '09:00', to: '24:00' })).toEqual({
      ranges: [{ days: ['mon'], from: '09:00', to: '24:00' }],
    });
    expect(parseContactWindow([{ days: ['sat'], from: '10:00', to: '14:00' }])).toEqual({
      ranges: [{ days: ['sat'], from: '10:00', to: '14:00' }],
    });
  });

  it('says what is wrong, and where', () => {
    const problems = (input: unknown) => {
      try {
        parseContactWindow(input);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ ranges: [{ days: ['mon'], from: '9:00', to: '20:00' }] })).toContain(
      'ranges.0.from: must be a time of day "HH:MM" from 00:00 to 24:00',
    );
    expect(problems({ ranges: [{ days: ['mon'], from: '20:00', to: '09:00' }] })).toContain(
      'ranges.0.to: must be after "from" (20:00); a range cannot cross midnight: split it in two',
    );
    expect(problems({ ranges: [{ days: ['monday'], from: '09:00', to: '20:00' }] })).toContain(
      'ranges.0.days.0: must be a day of the week: mon, tue, wed, thu, fri, sat or sun',
    );
    expect(problems({ ranges: [{ days: [], from: '09:00', to: '20:00' }] })).toContain(
      'ranges.0.days: must name at least one day of the week',
    );
    expect(problems({ ranges: [{ days: ['mon', 'mon'], from: '09:00', to: '20:00' }] })).toContain(
      'ranges.0.days: names a day twice',
    );
    expect(problems({ ranges: [] })).toContain('ranges: must have at least one range');
    expect(problems({ ranges: [{ days: ['mon'], from: '24:00', to: '24:00' }] })).toContain(
      'ranges.0.from: must be before 24:00',
    );
    expect(problems('weekdays')).toContain('invalid contact window');
  });

  it('refuses an unknown time zone', () => {
    expect(() =>
      nextWindowStart(SHOP_HOURS, at('2026-11-25T11:00:00Z'), 'Mars/Olympus_Mons'),
    ).toThrow(RangeError);
  });
});

describe('contact-window.ts is workflow-safe', () => {
  it('imports no Node built-ins and reads no clock', () => {
    const source = readFileSync(
      new URL('../../src/domain/contact-window.ts', import.meta.url),
      'utf8',
    );
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports).toEqual(['zod']);
    const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(/Date\.now\(|new Date\(\)|performance\.now|Math\.random/);
  });
});

describe('contact-window.ts inside the workflow sandbox', () => {
  it('bundles into workflow code and gives the same answers there', async () => {
    const { mkdirSync, mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const path = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const { Worker } = await import('@temporalio/worker');
    const { bundleWorkflowsQuietly } = await import('../support/bundle.js');
    const { createDevServerEnv, uniqueTaskQueue } = await import('../support/temporal.js');

    const source = fileURLToPath(new URL('../../src/domain/contact-window.ts', import.meta.url));
    // Inside the project, so that the bundler resolves @temporalio/workflow from its node_modules.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(path.join(cache, 'contact-window-workflow-'));
    // Plain JavaScript: the bundler compiles TypeScript only outside node_modules.
    const workflowsPath = path.join(dir, 'workflows.js');
    writeFileSync(
      workflowsPath,
      `import { nextWindowStart, parseContactWindow } from ${JSON.stringify(source)};
export async function nextWindow(window, now, timeZone) {
  return nextWindowStart(parseContactWindow(window), new Date(now), timeZone).toISOString();
}
`,
    );
    // A real-time dev server: nothing here waits, and time skipping would race the first workflow task.
    const env = await createDevServerEnv();
    try {
      const workflowBundle = await bundleWorkflowsQuietly(workflowsPath);
      const taskQueue = uniqueTaskQueue('contact-window');
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle,
      });
      const cases: [unknown, string, string][] = [
        [SHOP_HOURS, '2026-11-28T14:00:00.000Z', MADRID],
        [{ days: ['sun'], from: '02:30', to: '04:00' }, '2026-03-28T22:00:00.000Z', MADRID],
        [SHOP_HOURS, '2026-11-24T20:00:00.000Z', 'Asia/Tokyo'],
      ];
      const answers = await worker.runUntil(
        Promise.all(
          cases.map(([window, now, zone], i) =>
            env.client.workflow.execute('nextWindow', {
              taskQueue,
              workflowId: `${taskQueue}-${i}`,
              args: [window, now, zone],
            }),
          ),
        ),
      );
      expect(answers).toEqual(
        cases.map(([window, now, zone]) =>
          nextWindowStart(parseContactWindow(window), new Date(now), zone).toISOString(),
        ),
      );
      expect(answers).toEqual([
        '2026-11-30T08:00:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-11-25T00:00:00.000Z',
      ]);
    } finally {
      await env.teardown();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
