/**
 * What the inbox and the start queue retry for as long as it lasts instead of parking the event or
 * start that met it: failures of Postgres or Temporal, not of the work.
 */
import { ServiceError } from '@temporalio/client';
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

  it('retries while Temporal turns calls away over its rate limits, as long as they last', () => {
    // As @grpc/grpc-js reports a status, under the client's ServiceError.
    const grpc = (code: number, name: string, details: string) =>
      Object.assign(new Error(`${code} ${name}: ${details}`), { code, details });
    const rateLimited = grpc(8, 'RESOURCE_EXHAUSTED', 'namespace rate limit exceeded');
    expect(isOutage(new ServiceError('Failed to start Workflow', { cause: rateLimited }))).toBe(
      true,
    );
    expect(isOutage(grpc(8, 'RESOURCE_EXHAUSTED', 'Workflow is busy.'))).toBe(true);
    expect(isOutage(grpc(14, 'UNAVAILABLE', 'No connection established'))).toBe(true);
  });

  it('leaves the faults of the work itself to be parked', () => {
    // A payload over gRPC's size limit is refused however often it is sent.
    const tooLarge = Object.assign(
      new Error('8 RESOURCE_EXHAUSTED: Received message larger than max (5242980 vs. 4194304)'),
      { code: 8 },
    );
    expect(isOutage(new ServiceError('Failed to start Workflow', { cause: tooLarge }))).toBe(false);
    const badData = Object.assign(new Error('null value in column "email"'), { code: '23502' });
    expect(isOutage(badData)).toBe(false);
    expect(isOutage(new Error('campaign welcome failed to enrol'))).toBe(false);
  });
});
