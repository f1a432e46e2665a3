/**
 * supervise, which runs npm start's workers and HTTP endpoint: shutdown stops a part with SIGTERM
 * and, as for the Temporal servers (supervisor-restart.test.ts), kills one that ignores it after
 * its grace period and says so; a part that fails on its own as the stop comes is still told. The
 * parts here are real processes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive } from '../src/provision/local-state.js';
import { Shutdown, supervise } from '../src/supervisor.js';
import { until } from './support/processes.js';

describe('supervise', () => {
  const pids: number[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    pids.length = 0;
  });

  it('kills a part that ignores SIGTERM on shutdown after its grace period, and says so', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    // The part's own lines, prefixed `[worker]`, go to stdout.
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const shutdown = new Shutdown();
    await supervise(
      'worker',
      'test/support/stubborn-part.ts',
      process.env,
      shutdown,
      /^ready/,
      500,
    );
    const pid = Number(/^\[worker\] ready \(pid (\d+)\)$/m.exec(printed)?.[1]);
    expect(pid).toBeGreaterThan(0);
    pids.push(pid);

    await shutdown.run();
    // Before, it was killed without a word (after 15 s, however long the test asked for).
    expect(said).toEqual(['boomerang: worker did not stop within 0.5 s of SIGTERM; killing it']);
    expect(isAlive(pid)).toBe(false);
  });

  it('tells a part that fails on its own just as the stop comes, once', async () => {
    const told: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void told.push(line));
    let printed = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const shutdown = new Shutdown();
    void supervise('worker', 'test/support/failing-part.ts', process.env, shutdown, /^ready/);
    // Ctrl-C as the part starts; it fails on its own before the stop reaches it.
    shutdown.request();
    await until(async () => told.length > 0, 'the failure to be told');
    await shutdown.run();
    // Before, a part that exited while the stack stopped went unmentioned.
    expect(told).toEqual(['boomerang: worker exited (code 1)']);
    expect(shutdown.failure?.message).toBe('worker exited (code 1)');
    expect(printed).toContain('[worker] cannot start: the task queue is not configured');
  });
});
