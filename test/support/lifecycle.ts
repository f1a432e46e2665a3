/** Something a test file or describe block starts before its tests and stops after them. */
import { afterAll, beforeAll } from 'vitest';

/**
 * For the test file (or describe block) that calls it: `start` before its tests, `stop` after
 * them. The handle is filled in with the started object's properties when the tests start, so it
 * suits plain objects (a class instance's methods would stay behind on its prototype).
 */
export function useStarted<T extends object>(
  start: () => Promise<T>,
  stop: (started: T) => Promise<void>,
): T {
  const handle = {} as T;
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
    Object.assign(handle, started);
  });
  afterAll(async () => {
    if (started) await stop(started);
  });
  return handle;
}
