/** What the provider tests check of a failed send: the Temporal failure it is rejected with. */
import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';

/** The ApplicationFailure `send` is rejected with; the test fails if it resolves or throws anything else. */
export async function failureOf(send: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}
