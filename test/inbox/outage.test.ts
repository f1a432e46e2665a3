/**
 * What the inbox and the start queue retry for as long as it lasts instead of parking the event or
 * start that met it: failures of Postgres or Temporal, not of the work.
 */
import { describe, expect, it } from 'vitest';
import { PostgresConnectError } from '../../src/db/errors.js';
import { isOutage } from '../../src/inbox/outage.js';

describe('isOutage', () => {
  it('counts a Postgres that turns connections down as an outage, not as the fault of the event', () => {
    const refused = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    const connectError = new PostgresConnectError('127.0.0.1:5432/shop', refused);
    expect(isOutage(connectError)).toBe(true);
    expect(isOutage(new Error('applying event 7 failed', { cause: connectError }))).toBe(true);
  });

  it('leaves the faults of the work itself to be parked', () => {
    const badData = Object.assign(new Error('null value in column "email"'), { code: '23502' });
    expect(isOutage(badData)).toBe(false);
    expect(isOutage(new Error('campaign welcome failed to enrol'))).toBe(false);
  });
});
