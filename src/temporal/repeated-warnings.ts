/**
 * Core's warnings that come many times a second: one per poller and retry while Temporal does not
 * answer, one per call Temporal keeps turning away over its rate limits (a launch's starts, each
 * poller), one per slow workflow task while a launch saturates the machine. Each kind is shown
 * once, in words, then counted, with one line a minute; a run of them ends when a minute passes
 * without one (or, for an outage, when Temporal answers again). Every other warning is left alone.
 */
import type { LogLevel, LogMetadata } from '@temporalio/common';

/** How often a kind that keeps coming is summarised. */
export const SUMMARY_EVERY_MS = 60_000;

type Kind = 'unreachable' | 'rate-limited' | 'slow-workflow-task';

/** Core's retry warning (`retried 6 times`, an error past 15): `gRPC call poll_workflow_task_queue retried 6 times`. */
const RETRIED = /^gRPC call \w+ retried \d+ times$/;
/** The gRPC codes of a server that is down, restarting or too busy to answer in time. */
const NO_ANSWER = /\bcode: (Unavailable|DeadlineExceeded)\b/;
/**
 * The gRPC code of a server that answers but turns the call away (a namespace's rate limit, e.g.
 * Temporal Cloud's actions per second): not an outage, and core retries it with a longer backoff.
 */
const REFUSED_OVER_LIMIT = /\bcode: ResourceExhausted\b/;
/** `[TMPRL1104] <run>:<event>:<attempt> Workflow task duration exceeded 5 seconds.` */
const SLOW_TASK = /^\[TMPRL1104\].* exceeded (\d+) seconds?/;

function kindOf(level: LogLevel, message: string, meta?: LogMetadata): Kind | undefined {
  if (level !== 'WARN' && level !== 'ERROR') return undefined;
  if (RETRIED.test(message) && NO_ANSWER.test(String(meta?.error))) return 'unreachable';
  if (RETRIED.test(message) && REFUSED_OVER_LIMIT.test(String(meta?.error))) return 'rate-limited';
  if (SLOW_TASK.test(message)) return 'slow-workflow-task';
  return undefined;
}

/**
 * Core's error in words: `Status { code: Unavailable, message: "tcp connect error", source: …
 * message: "Connection refused" … }` → `Unavailable: tcp connect error: Connection refused`.
 */
export function coreErrorInWords(error: unknown): string {
  const text = String(error);
  const code = /\bcode: (\w+)/.exec(text)?.[1];
  const messages = [...text.matchAll(/\bmessage: "([^"]*)"/g)].map((m) => m[1]!).filter(Boolean);
  const parts = [code, ...new Set(messages)].filter((p): p is string => !!p);
  return parts.length ? parts.join(': ') : text.slice(0, 200);
}

/**
 * The client's gRPC error in words (grpc-js words it otherwise than core): `14 UNAVAILABLE: No
 * connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7233. Resolution note: `
 * → `UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233`.
 */
export function grpcErrorInWords(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const grpc = /^\d+ ([A-Z_]+): (.*)$/s.exec(message);
  if (!grpc) return message;
  const last = /Last error: (?:\w*Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(grpc[2]!);
  return `${grpc[1]}: ${(last?.[1] ?? grpc[2]!).trim()}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

interface Run {
  /** When the current minute of counting began. */
  windowStart: number;
  /** Warnings of the kind since the last line about it. */
  count: number;
  /** The slow task threshold (seconds), as the first warning said it. */
  threshold?: string;
}

export interface RepeatedWarningsOptions {
  /** Prints a line of ours (the logger's own format, so that `npm start` prefixes it). */
  print: (level: LogLevel, message: string) => void;
  /** The Temporal address the worker connects to, named in the outage lines. */
  temporalAddress?: string;
  /** The clock (a test's own). */
  now?: () => number;
  /** How often the summaries are checked (0: only when a warning arrives or tick() is called). */
  tickMs?: number;
}

export class RepeatedWarnings {
  private readonly runs = new Map<Kind, Run>();
  private readonly now: () => number;
  private readonly address: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: RepeatedWarningsOptions) {
    this.now = opts.now ?? Date.now;
    this.address = opts.temporalAddress ?? 'its address';
  }

  /** Takes an entry of a repeated kind (true) or leaves it to be printed as it is (false). */
  take(level: LogLevel, message: string, meta?: LogMetadata): boolean {
    const kind = kindOf(level, message, meta);
    if (!kind) return false;
    const run = this.runs.get(kind);
    if (run) {
      run.count++;
      this.tick();
      return true;
    }
    const threshold = SLOW_TASK.exec(message)?.[1];
    this.runs.set(kind, { windowStart: this.now(), count: 0, threshold });
    this.opts.print('WARN', this.firstLine(kind, message, meta));
    this.startTimer();
    return true;
  }

  /** Prints the count of each kind whose minute is over; a minute without any ends its run. */
  tick(): void {
    const now = this.now();
    for (const [kind, run] of this.runs) {
      if (now - run.windowStart < SUMMARY_EVERY_MS) continue;
      if (run.count === 0) {
        this.runs.delete(kind);
        continue;
      }
      this.opts.print('WARN', this.summary(kind, run));
      run.count = 0;
      run.windowStart = now;
    }
    if (this.runs.size === 0) this.stopTimer();
  }

  /** Whether Temporal has not answered since the line that said so. */
  get temporalUnreachable(): boolean {
    return this.runs.has('unreachable');
  }

  /** Temporal answers again: says so, once, after an outage this logger reported. */
  temporalAnswers(): void {
    const run = this.runs.get('unreachable');
    if (!run) return;
    this.runs.delete('unreachable');
    const uncounted = run.count
      ? ` (${plural(run.count, 'retry', 'retries')} since the last line)`
      : '';
    this.opts.print('INFO', `Temporal at ${this.address} answers again${uncounted}`);
    if (this.runs.size === 0) this.stopTimer();
  }

  private firstLine(kind: Kind, message: string, meta?: LogMetadata): string {
    if (kind === 'unreachable')
      return (
        `Temporal at ${this.address} does not answer (${coreErrorInWords(meta?.error)}); ` +
        'retrying until it does, with a line a minute meanwhile'
      );
    if (kind === 'rate-limited')
      return (
        `Temporal at ${this.address} turns calls away over its rate limits ` +
        `(${coreErrorInWords(meta?.error)}; ${message}): they back off and are retried; if it lasts, ` +
        'the namespace\'s rate limit is too low for the load (see "Sizing a shop" in the README); ' +
        'further retries are counted, a line a minute'
      );
    const details = [
      meta?.workflowType,
      meta?.workflowTaskDuration === undefined
        ? undefined
        : `${String(meta.workflowTaskDuration)} ms`,
    ].filter((d) => d !== undefined && d !== '');
    const said = details.length ? ` (${details.join(', ')})` : '';
    return (
      `${message.replace(/\.$/, '')}${said}: workflow tasks run slowly, usually because the machine is saturated ` +
      '(see "Sizing a shop" in the README); further ones are counted, a line a minute'
    );
  }

  private summary(kind: Kind, run: Run): string {
    if (kind === 'unreachable')
      return `still cannot reach Temporal at ${this.address} (${plural(run.count, 'retry', 'retries')} in the last minute)`;
    if (kind === 'rate-limited')
      return `Temporal at ${this.address} still turns calls away over its rate limits (${plural(run.count, 'retry', 'retries')} in the last minute)`;
    return `${plural(run.count, 'more workflow task', 'more workflow tasks')} took over ${run.threshold ?? '5'} s in the last minute (usually a saturated machine; see "Sizing a shop" in the README)`;
  }

  private startTimer(): void {
    const every = this.opts.tickMs ?? 5000;
    if (this.timer || every <= 0) return;
    // Unref'd: a summary still owed never keeps a stopping worker alive.
    this.timer = setInterval(() => this.tick(), every).unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * While an outage is reported, tries `answers` (a fresh connection, which throws while Temporal
 * does not answer) every `everyMs`, and says when it succeeds: the worker's polls that succeed
 * again leave no trace in the log to tell it by.
 */
export function sayWhenTemporalAnswers(
  warnings: RepeatedWarnings,
  answers: () => Promise<void>,
  everyMs = 5000,
): { stop(): void } {
  let trying = false;
  const timer = setInterval(() => {
    if (trying || !warnings.temporalUnreachable) return;
    trying = true;
    answers()
      .then(
        () => warnings.temporalAnswers(),
        () => {},
      )
      .finally(() => (trying = false));
  }, everyMs).unref();
  return { stop: () => clearInterval(timer) };
}
