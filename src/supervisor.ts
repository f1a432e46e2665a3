/**
 * The process supervisor of `npm start`: it starts the parts of the stack as child processes in
 * their own process groups, prefixes their output, restarts a part that dies while the stack is
 * up (with backoff), and stops the parts in reverse order of start. The parts themselves (the
 * Temporal servers, the embedded Postgres) are started by src/provision/; the child's side of the
 * arrangement is src/supervised.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { PROJECT_ROOT } from './config.js';
import { PlainFailure } from './main-helpers.js';

export const say = (message: string) => console.log(`boomerang: ${message}`);

/** Stops registered parts in reverse order of start; the parts of one group at the same time. */
export class Shutdown {
  private steps: { name: string; run: () => Promise<void>; group?: string }[] = [];
  private running: Promise<void> | undefined;
  private readonly requested = new AbortController();
  /** Aborted as soon as a stop is requested: a start under way gives up and kills its server. */
  readonly signal = this.requested.signal;
  /** What failed on its own while stopping (fail), for the stop to end as a failure. */
  failure: PlainFailure | undefined;
  /** Whether a stop was requested, so supervisors stop restarting children that exit. */
  get stopping(): boolean {
    return this.signal.aborted;
  }
  /** A stop is requested (Ctrl-C): run() follows once whatever was under way has noticed. */
  request() {
    this.requested.abort();
  }
  /** Whether `err` is only the stop's doing: a start it abandoned (unlessStopped, keepRunning). */
  stoppedBy(err: unknown): boolean {
    return this.stopping && err === this.signal.reason;
  }
  /**
   * Runs `start` (a step of the stack's start) unless a stop is requested before or while it runs:
   * then this fails at once with the stop's reason (stoppedBy) instead of waiting for the step,
   * and run() stops what it did start. A part that then fails on its own says so (fail).
   */
  async unlessStopped<T>(start: () => Promise<T>): Promise<T> {
    this.signal.throwIfAborted();
    const starting = start();
    // Once abandoned, its failure is the stop's doing, or told by the part itself (fail).
    starting.catch(() => {});
    const stopped = new Promise<never>((_, reject) =>
      this.signal.addEventListener('abort', () => reject(this.signal.reason as Error), {
        once: true,
      }),
    );
    return Promise.race([starting, stopped]);
  }
  /**
   * Tells that a part failed on its own while a stop is under way (its start abandoned, or it
   * died before being stopped): the stop neither waits for it nor hides it.
   */
  fail(message: string) {
    console.error(`boomerang: ${message}`);
    this.failure ??= new PlainFailure(message);
  }
  /**
   * `run` stops a part. Parts added one after another under the same `group` (a stack's workers)
   * are stopped at the same time: each may take its grace period, and they do not wait on each other.
   */
  add(name: string, run: () => Promise<void>, group?: string) {
    this.steps.push({ name, run, ...(group === undefined ? {} : { group }) });
  }
  /** Whether anything was started, so that there is something to stop. */
  get started(): boolean {
    return this.steps.length > 0;
  }
  run(): Promise<void> {
    this.request();
    this.running ??= (async () => {
      const steps = this.steps.reverse();
      for (let i = 0; i < steps.length;) {
        const group = steps[i]!.group;
        let end = i + 1;
        while (group !== undefined && end < steps.length && steps[end]!.group === group) end++;
        await Promise.all(
          steps.slice(i, end).map(async (step) => {
            try {
              await step.run();
            } catch (err) {
              console.error(`boomerang: stopping ${step.name} failed: ${(err as Error).message}`);
            }
          }),
        );
        i = end;
      }
    })();
    return this.running;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Whether `child`, which exited, failed on its own: with a failure code, or by a signal it was not
 * sent from here (terminate, killOnAbort), not as a stop asked it to.
 */
export function failedOnItsOwn(child: ChildProcess): boolean {
  return (child.exitCode ?? 0) !== 0 || (child.signalCode !== null && !child.killed);
}

/**
 * How long a server of the stack (a Temporal server, the Web UI, the embedded Postgres) is given
 * to stop after SIGTERM before it is killed.
 */
export const STOP_GRACE_MS = 20_000;

/** The same for a worker or the HTTP endpoint (supervise). */
export const PART_STOP_GRACE_MS = 15_000;

/**
 * Sends SIGTERM to `child` and resolves once it exited; one still there after `graceMs` is
 * SIGKILLed, and the log says so: a server that hangs on its way out must not hang npm start's
 * shutdown, nor pass for one that stopped cleanly. `afterKill` then stops what the child ran that
 * its death leaves running (the embedded Postgres's server), and is waited for too.
 */
export async function terminate(
  child: ChildProcess,
  what: string,
  graceMs = STOP_GRACE_MS,
  afterKill?: () => Promise<void>,
): Promise<void> {
  if (hasExited(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  let killed: Promise<void> | undefined;
  const timer = setTimeout(() => {
    say(`${what} did not stop within ${graceMs / 1000} s of SIGTERM; killing it`);
    child.kill('SIGKILL');
    // Caught here: awaited only once the child's exit is seen.
    killed = afterKill?.().catch((err: unknown) =>
      say(`stopping what ${what} left running failed: ${(err as Error).message}`),
    );
  }, graceMs);
  await exited;
  clearTimeout(timer);
  await killed;
}

/**
 * Kills `child` at once when `signal` aborts (a stop requested while it is still starting): the
 * start waiting for it then fails instead of running to its end, up to minutes, before the stop.
 */
export function killOnAbort(child: ChildProcess, signal: AbortSignal) {
  const kill = () => child.kill('SIGKILL');
  if (signal.aborted) kill();
  signal.addEventListener('abort', kill, { once: true });
  child.once('exit', () => signal.removeEventListener('abort', kill));
}

/** Writes each line of `stream` to `sink` behind `prefix` ("[worker-2] …"). */
export function prefixLines(
  stream: NodeJS.ReadableStream | null,
  prefix: string,
  sink: NodeJS.WriteStream,
  onLine?: (line: string) => void,
) {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      sink.write(`${prefix} ${line}\n`);
      onLine?.(line);
    }
  });
}

/**
 * The delay before restarting a part that exited after running since `started`: 1 s after a run
 * of over 30 s, else doubling (2 s, 4 s, …, at most 30 s) while it keeps dying at once — broken,
 * not unlucky: back off instead of spinning.
 */
export function restartBackoff(): (started: number) => number {
  let restarts = 0;
  return (started) => {
    restarts = Date.now() - started > 30_000 ? 0 : restarts + 1;
    return Math.min(30_000, 1000 * 2 ** Math.min(restarts, 5));
  };
}

/** A started server of the stack, as keepRunning watches it. */
export interface RunningPart {
  child: ChildProcess;
  /** Stops it if it still runs, and lets go of what it holds (its log file, its pid file). */
  stop(): Promise<void>;
}

/**
 * Starts a server of the stack with `start` (which resolves once it answers, and leaves nothing
 * running when it fails) and, while the stack is up, starts it again whenever it dies, after
 * restartBackoff's delay: the log says how it exited and, once it answers again, that it is back.
 * A restart that fails is tried again after the next delay; a first start that fails is the
 * caller's to report. Resolves with the first start's server. Shutdown abandons a restart under
 * way (its server killed at once, through the signal given to `start`) and stops the current
 * server with SIGTERM, killing it if it has not exited after `stopGraceMs`.
 */
export async function keepRunning<T extends RunningPart>(part: {
  /** As the log names it: "the Temporal server". */
  what: string;
  shutdown: Shutdown;
  /**
   * One start; a restart is given the server that died, to come back where it was. When `signal`
   * aborts (shutdown), the start kills the server it started (killOnAbort) and fails.
   */
  start: (previous: T | undefined, signal: AbortSignal) => Promise<T>;
  /** Appended to the line saying it exited: where it comes back, where its log is. */
  note?: (running: T) => string;
  /** How long shutdown waits for it to exit after SIGTERM before killing it. */
  stopGraceMs?: number;
}): Promise<T> {
  const { what, shutdown, stopGraceMs = STOP_GRACE_MS } = part;
  const backoff = restartBackoff();
  const first = await part.start(undefined, shutdown.signal).catch((err: unknown) => {
    // Killed by a stop requested meanwhile (killOnAbort): the stop is why it failed (one failing
    // on its own at that very moment is taken for the stop's too).
    shutdown.signal.throwIfAborted();
    throw err;
  });
  let current = first;
  let pending: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const relaunch = (previous: T) => {
    pending = undefined;
    const started = Date.now();
    restarting = part.start(previous, shutdown.signal).then(
      (running) => {
        current = running;
        // Ready just as the stop came: the shutdown step stops it.
        if (shutdown.stopping) return;
        say(`${what} is back`);
        watch(running, started);
      },
      (err: unknown) => {
        if (shutdown.stopping) return;
        const delay = backoff(started);
        say(
          `restarting ${what} failed: ${(err as Error).message}; trying again in ${delay / 1000} s`,
        );
        pending = setTimeout(() => relaunch(previous), delay);
      },
    );
  };
  const watch = (running: T, started: number) => {
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      if (shutdown.stopping) return;
      // Lets go of its log and pid files; a dead server has nothing else to stop.
      running.stop().catch(() => {});
      const delay = backoff(started);
      say(
        `${what} exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s${part.note?.(running) ?? ''}`,
      );
      pending = setTimeout(() => relaunch(running), delay);
    };
    // It may have died while its start was finishing, before anyone listened.
    const { child } = running;
    if (hasExited(child)) exited(child.exitCode, child.signalCode);
    else child.once('exit', exited);
  };
  watch(first, Date.now());
  shutdown.add(what.replace(/^the /, ''), async () => {
    clearTimeout(pending);
    // A restart under way was abandoned by shutdown's signal: it fails at once, or (ready just
    // then) leaves a server to stop.
    await restarting;
    await terminate(current.child, what, stopGraceMs);
    // Lets go of its log and pid files.
    await current.stop();
  });
  return first;
}

/**
 * Starts a TypeScript part of the stack in its own process group, so a terminal's Ctrl-C reaches
 * only the supervisor, which then stops the parts in order (worker and HTTP before their database).
 * The child's stdin is a pipe from us: if we die without stopping it, it sees the pipe close.
 */
export function spawnPart(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...env, BOOMERANG_SUPERVISED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: PROJECT_ROOT,
    detached: true,
  });
}

/**
 * Runs a part of the stack as a child process, restarting it if it dies while we are up; resolves
 * once it prints a line matching `readyLine`. Shutdown stops it with SIGTERM, killing it if it has
 * not exited after `stopGraceMs`, at the same time as the parts of its `stopGroup`.
 */
export function supervise(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  shutdown: Shutdown,
  readyLine: RegExp,
  stopGraceMs = PART_STOP_GRACE_MS,
  stopGroup?: string,
): Promise<void> {
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let child: ChildProcess | undefined;
  const backoff = restartBackoff();
  const launch = () => {
    const current = spawnPart(script, env);
    child = current;
    prefixLines(
      current.stdout,
      `[${name}]`,
      process.stdout,
      (line) => readyLine.test(line) && markReady(),
    );
    prefixLines(current.stderr, `[${name}]`, process.stderr);
    const started = Date.now();
    current.once('exit', (code, signal) => {
      const exited = `${name} exited (${signal ?? `code ${code}`})`;
      if (shutdown.stopping) {
        // A crash just as the stop came is still told; the stop's SIGTERM is no crash.
        if (failedOnItsOwn(current)) shutdown.fail(exited);
        return;
      }
      const delay = backoff(started);
      say(`${exited}; restarting in ${delay / 1000} s`);
      setTimeout(() => !shutdown.stopping && launch(), delay);
    });
  };
  launch();
  shutdown.add(
    name,
    async () => {
      if (child) await terminate(child, name, stopGraceMs);
    },
    stopGroup,
  );
  return ready;
}

/** A port a start is about to listen on, with the variable that moves it. */
export interface PortToListenOn {
  port: number;
  variable: string;
  what: string;
}

/**
 * Fails clearly when a port we are about to listen on is taken, instead of talking to a stranger:
 * one error naming every port taken (a line each), so a second stack on the machine learns every
 * variable to set in one try, not one per start.
 */
export async function assertPortsFree(ports: readonly PortToListenOn[]): Promise<void> {
  const taken = await Promise.all(ports.map(({ port }) => portTaken(port)));
  const lines = ports
    .filter((_, i) => taken[i])
    .map(
      ({ port, variable, what }) =>
        `port ${port} (${what}) is already in use: is another \`npm start\` or server running? Stop it, or set ${variable} to a free port.`,
    );
  if (lines.length) throw new PlainFailure(lines.join('\n'));
}

function portTaken(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
