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

  it("stops a stack's workers at the same time, each in its own grace period, and the others in turn", async () => {
    let printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
    const shutdown = new Shutdown();
    const part = (name: string, group?: string) =>
      supervise(
        name,
        'test/support/slow-stopping-part.ts',
        process.env,
        shutdown,
        /^ready/,
        5000,
        group,
      );
    // Started as npm start does: its workers, then the HTTP endpoint (stopped first).
    await Promise.all([part('worker-1', 'workers'), part('worker-2', 'workers'), part('http')]);
    for (const match of printed.matchAll(/^\[[\w-]+\] ready \(pid (\d+)\)$/gm))
      pids.push(Number(match[1]));

    await shutdown.run();
    const lines = printed.split('\n').filter((l) => / stopp(ing|ed)$/.test(l));
    // Before, the second worker was told to stop only once the first had stopped.
    expect(lines.slice(0, 2)).toEqual(['[http] stopping', '[http] stopped']);
    expect(new Set(lines.slice(2, 4))).toEqual(
      new Set(['[worker-1] stopping', '[worker-2] stopping']),
    );
    expect(new Set(lines.slice(4))).toEqual(new Set(['[worker-1] stopped', '[worker-2] stopped']));
    expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
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
