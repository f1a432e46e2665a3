/**
 * keepRunning, which keeps npm start's Temporal servers and Web UI up: a server that dies is
 * started again where it was, a restart that fails is tried again, and shutdown stops the server
 * that runs then without starting another, killing one that ignores SIGTERM and abandoning a
 * restart under way. The server here is a real process that runs until killed; the end-to-end
 * tests kill the real ones (npm-start-server, postgres-restart).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAlive } from '../src/provision/local-state.js';
import {
  keepRunning,
  killOnAbort,
  type RunningPart,
  Shutdown,
  terminate,
} from '../src/supervisor.js';
import { until } from './support/processes.js';

describe('keepRunning', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    children.length = 0;
  });

  /** A server that runs until killed; one that `hangs` ignores SIGTERM, as a stuck server does. */
  const spawnServer = async ({ hangs = false } = {}): Promise<ChildProcess> => {
    const code = `${hangs ? "process.on('SIGTERM', () => {});" : ''} console.log('up'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    // Up once it says so: its SIGTERM handler is in place by then.
    await once(child.stdout!, 'data');
    return child;
  };
  /** As the Web UI server's stop was: SIGTERM, then wait for as long as it takes. */
  const waitingStop = (child: ChildProcess) => async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };

  it('starts a server that died again, tries a failed restart again, and stops it on shutdown', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    const shutdown = new Shutdown();
    const given: (number | undefined)[] = [];
    const start = async (previous?: RunningPart): Promise<RunningPart> => {
      given.push(previous?.child.pid);
      if (given.length === 2) throw new Error('port 7233 is taken');
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
        stdio: 'ignore',
      });
      children.push(child);
      await once(child, 'spawn');
      return { child, stop: () => terminate(child, 'the test server', 10_000) };
    };
    const first = await keepRunning({
      what: 'the test server',
      shutdown,
      start,
      note: () => ' on port 7233',
    });

    first.child.kill('SIGKILL');
    await until(
      async () => said.includes('boomerang: the test server is back'),
      'the test server to be started again',
      60_000,
    );
    expect(said).toEqual([
      expect.stringMatching(
        /^boomerang: the test server exited \(SIGKILL\); restarting it in \d+ s on port 7233$/,
      ),
      expect.stringMatching(
        /^boomerang: restarting the test server failed: port 7233 is taken; trying again in \d+ s$/,
      ),
      'boomerang: the test server is back',
    ]);
    // Each restart is given the server that died, to come back on its ports.
    expect(given).toEqual([undefined, first.child.pid, first.child.pid]);

    await shutdown.run();
    const second = children[1]!;
    expect(second.signalCode).toBe('SIGTERM');
    // Its exit on shutdown is no death to restart.
    expect(children).toHaveLength(2);
    expect(said).toHaveLength(3);
  }, 90_000);

  it('kills a server that ignores SIGTERM on shutdown after the grace period, and says so', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    const shutdown = new Shutdown();
    const server = await keepRunning({
      what: 'the test server',
      shutdown,
      start: async () => {
        const child = await spawnServer({ hangs: true });
        return { child, stop: waitingStop(child) };
      },
      stopGraceMs: 500,
    });

    // Without the bound this never resolves, and the test times out.
    await shutdown.run();
    expect(said).toEqual([
      'boomerang: the test server did not stop within 0.5 s of SIGTERM; killing it',
    ]);
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(isAlive(server.child.pid!)).toBe(false);
  }, 60_000);

  it('abandons a restart under way on shutdown: its server is killed at once', async () => {
    const said: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void said.push(line));
    const shutdown = new Shutdown();
    const first = await keepRunning({
      what: 'the test server',
      shutdown,
      start: async (_previous, signal) => {
        const child = await spawnServer();
        killOnAbort(child, signal);
        if (children.length === 1) return { child, stop: waitingStop(child) };
        // The restart never answers, as a server stuck on its way up (a Temporal server gets 120 s).
        await once(child, 'exit');
        throw new Error('the test server exited while starting');
      },
    });

    first.child.kill('SIGKILL');
    const restarted = await until(
      async () => children[1],
      'the test server to be started again',
      60_000,
    );
    // Without abandoning it this waits for a start that never ends, and the test times out.
    await shutdown.run();
    expect(restarted.signalCode).toBe('SIGKILL');
    expect(isAlive(restarted.pid!)).toBe(false);
    expect(said).toEqual([
      expect.stringMatching(
        /^boomerang: the test server exited \(SIGKILL\); restarting it in \d+ s$/,
      ),
    ]);
  }, 90_000);
});
