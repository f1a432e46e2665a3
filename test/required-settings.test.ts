/**
 * A worker or HTTP endpoint deployed without a setting it needs refuses to start, naming the
 * variable, instead of starting quietly and failing every send later.
 */
import { describe, expect, it } from 'vitest';
import { startTs } from './support/processes.js';

// Unset in the child even when the test runner's environment has them.
const bare = {
  BOOMERANG_SIGNING_SECRET: '',
  BOOMERANG_API_KEY: '',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
  TEMPORAL_ADDRESS: '127.0.0.1:9',
};

describe('required settings at start', () => {
  it('the worker refuses to start without BOOMERANG_SIGNING_SECRET, naming it', async () => {
    const worker = startTs('src/worker.ts', bare);
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toMatch(
      /BOOMERANG_SIGNING_SECRET: is not set, and the worker needs it/,
    );
    expect(worker.output()).not.toMatch(/\n\s+at /);
  });

  it('the HTTP endpoint refuses to start without its secrets, naming each', async () => {
    const http = startTs('src/http/main.ts', bare);
    expect(await http.exited()).toBe(1);
    expect(http.output()).toMatch(/BOOMERANG_SIGNING_SECRET: is not set, and the http needs it/);
    expect(http.output()).toMatch(/BOOMERANG_API_KEY: is not set, and the http needs it/);
  });

  it('a provider without its key is refused by every process', async () => {
    const worker = startTs('src/worker.ts', {
      ...bare,
      BOOMERANG_SIGNING_SECRET: 's3cret',
      EMAIL_PROVIDER: 'resend',
      RESEND_API_KEY: '',
    });
    expect(await worker.exited()).toBe(1);
    expect(worker.output()).toMatch(/RESEND_API_KEY: is required with EMAIL_PROVIDER=resend/);
  });
});
