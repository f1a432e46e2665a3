/** `npm start -- --temporal server --workers N`: the flags, and clear errors naming a bad one. */
import { describe, expect, it } from 'vitest';
import { parseStartArgs } from '../src/start.js';

describe('npm start flags', () => {
  it('defaults to the dev server and one worker', () => {
    expect(parseStartArgs([])).toEqual({ temporal: 'dev', workers: 1 });
  });

  it('takes the production server and a worker count', () => {
    expect(parseStartArgs(['--temporal', 'server', '--workers', '3'])).toEqual({
      temporal: 'server',
      workers: 3,
    });
  });

  it('names the bad flag', () => {
    expect(() => parseStartArgs(['--temporal', 'cloud'])).toThrow(
      /--temporal must be dev .* or server/,
    );
    expect(() => parseStartArgs(['--workers', '0'])).toThrow(/--workers must be a whole number/);
    expect(() => parseStartArgs(['--workers', 'two'])).toThrow(/--workers must be a whole number/);
    expect(() => parseStartArgs(['--wrokers', '2'])).toThrow(/--wrokers/);
  });
});
