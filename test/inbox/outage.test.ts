/**
 * What the inbox and the start queue retry for as long as it lasts instead of parking the event or
 * start that met it: failures of Postgres or Temporal, not of the work.
 */
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { PostgresConnectError } from '../../src/db/errors.js';
import { outageInWords } from '../../src/inbox/outage.js';

const isOutage = (err: unknown): boolean => outageInWords(err) !== undefined;

/** A gRPC status as @grpc/grpc-js reports it, under the client's ServiceError. */
const grpc = (code: number, name: string, details: string) =>
  Object.assign(new Error(`${code} ${name}: ${details}`), { code, details });

describe('what counts as an outage', () => {
  it('counts a Postgres that turns connections down as an outage, not as the fault of the event', () => {
    const refused = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    const connectError = new PostgresConnectError('127.0.0.1:5432/shop', refused);
    expect(isOutage(connectError)).toBe(true);
    expect(isOutage(new Error('applying event 7 failed', { cause: connectError }))).toBe(true);
  });

  it('retries while Temporal turns calls away over its rate limits, as long as they last', () => {
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

describe('outageInWords', () => {
  it('says what cannot be used and why, in words, for the log line of an outage', () => {
    const unavailable = grpc(
      14,
      'UNAVAILABLE',
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7233. Resolution note: ',
    );
    expect(
      outageInWords(new ServiceError('Failed to signal Workflow', { cause: unavailable })),
    ).toBe('Temporal does not answer (UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233)');
    const rateLimited = grpc(8, 'RESOURCE_EXHAUSTED', 'namespace rate limit exceeded');
    expect(
      outageInWords(new ServiceError('Failed to start Workflow', { cause: rateLimited })),
    ).toBe(
      'Temporal turns calls away over its rate limits (RESOURCE_EXHAUSTED: namespace rate limit exceeded)',
    );
    const refused = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    const connectError = new PostgresConnectError('127.0.0.1:5432/shop', refused);
    expect(outageInWords(new Error('applying event 7 failed', { cause: connectError }))).toBe(
      'Postgres cannot be used (password authentication failed for user "app", 28P01): fix the user or password in DATABASE_URL',
    );
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(outageInWords(down)).toBe('Postgres cannot be used (connection refused, ECONNREFUSED)');
  });

  it('says nothing of a fault of the work itself', () => {
    const badData = Object.assign(new Error('null value in column "email"'), { code: '23502' });
    expect(outageInWords(badData)).toBeUndefined();
    expect(outageInWords(new Error('campaign welcome failed to enrol'))).toBeUndefined();
  });
});
