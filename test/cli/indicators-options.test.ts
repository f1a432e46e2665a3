/** `indicators recompute` flags: --as-of starts no journeys unless --start-journeys; bad flags are named. */
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/context.js';
import { recomputeInput } from '../../src/cli/indicators.js';

describe('indicators recompute options', () => {
  it('starts journeys on a recompute as of now, not on one as of a given instant unless asked', () => {
    expect(recomputeInput({ horizonDays: '365' })).toEqual({ horizonDays: 365 });
    expect(recomputeInput({ asOf: '2025-06-01', horizonDays: '90' })).toEqual({
      asOf: '2025-06-01T00:00:00.000Z',
      startJourneys: false,
      horizonDays: 90,
    });
    expect(recomputeInput({ asOf: '2025-06-01T00:00:00Z', startJourneys: true })).toEqual({
      asOf: '2025-06-01T00:00:00.000Z',
      startJourneys: true,
    });
  });

  it('refuses an --as-of in the future, naming it', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    expect(recomputeInput({ asOf: '2026-12-07T12:00:00Z' }, now)).toMatchObject({
      asOf: '2026-12-07T12:00:00.000Z',
    });
    expect(() => recomputeInput({ asOf: '2026-12-08' }, now)).toThrow(
      '--as-of: 2026-12-08T00:00:00.000Z is in the future; indicators are computed from orders already placed (leave --as-of out for now)',
    );
  });

  it('names the bad flag', () => {
    expect(() => recomputeInput({ asOf: 'yesterday' })).toThrow(CliError);
    expect(() => recomputeInput({ asOf: 'yesterday' })).toThrow(/--as-of/);
    expect(() => recomputeInput({ horizonDays: '0' })).toThrow(/--horizon-days/);
    expect(() => recomputeInput({ horizonDays: '12.5' })).toThrow(/--horizon-days/);
  });

  it('exits 2 on a bad flag, as other usage errors do, with the same message', () => {
    const thrown = (opts: Parameters<typeof recomputeInput>[0]) => {
      try {
        recomputeInput(opts);
      } catch (error) {
        return error as CliError;
      }
      throw new Error('no CliError');
    };
    expect(thrown({ asOf: 'tomorrow' })).toMatchObject({
      exitCode: 2,
      message:
        '--as-of: not a date or instant: "tomorrow" (use ISO 8601, e.g. 2026-01-31T00:00:00Z)',
    });
    expect(thrown({ horizonDays: '0' })).toMatchObject({
      exitCode: 2,
      message: '--horizon-days: expected a whole number of days from 1 to 7305 (got "0")',
    });
  });
});
