/**
 * The worker's SDK log without what a person starting Boomerang does not need: webpack's report
 * of every module it bundled (printed on each start), the messages worker's warning that it has
 * no workflows (it runs activities only, by design), and each worker's state changes and Nexus
 * notice (the worker prints one line of its own once it polls). Core's warnings that come many
 * times a second (Temporal down or over its rate limits, workflow tasks slow) are summarised
 * (repeated-warnings.ts). Errors, a failed worker and everything else pass through, one line per
 * entry, so that `npm start` prefixes every line.
 */
import { inspect } from 'node:util';
import {
  IllegalStateError,
  type LogLevel,
  type LogMetadata,
  type Logger,
} from '@temporalio/common';
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { RepeatedWarnings, type RepeatedWarningsOptions } from './repeated-warnings.js';

/** Whether an SDK log line is start-up (or shut-down) noise. */
export function isStartupNoise(level: LogLevel, message: string, meta?: LogMetadata): boolean {
  if (level === 'INFO' && /\bwebpack [\d.]+ compiled\b/.test(message)) return true;
  if (level === 'INFO' && message === 'Worker state changed') return meta?.state !== 'FAILED';
  if (level === 'INFO' && message.startsWith('No Nexus services registered')) return true;
  return level === 'WARN' && message.startsWith('No workflows registered');
}

/** The SDK's default format (time, level, message, metadata) on one line. */
function oneLine({ level, timestampNanos, message, meta }: LogEntry): void {
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const details = meta === undefined ? '' : ` ${inspect(meta, { breakLength: Infinity })}`;
  process.stderr.write(`${time} [${level}] ${message}${details}\n`);
}

export interface QuietLoggerOptions extends Omit<RepeatedWarningsOptions, 'print'> {
  /** Where the lines go: the SDK's format on stderr unless told. */
  inner?: Logger;
}

export class QuietLogger implements Logger {
  private readonly inner: Logger;
  /** Temporal's outages and slow workflow tasks, summarised. */
  readonly repeated: RepeatedWarnings;

  constructor({ inner, ...repeated }: QuietLoggerOptions = {}) {
    const out = inner ?? new DefaultLogger('INFO', oneLine);
    this.inner = out;
    this.repeated = new RepeatedWarnings({
      ...repeated,
      print: (level, line) => out.log(level, line),
    });
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (isStartupNoise(level, message, meta) || this.repeated.take(level, message, meta)) return;
    this.inner.log(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Core's warning for each workflow task a replay fails: `deploy check` reports those itself. */
const isReplayFailure = ({ level, message }: LogEntry) =>
  level === 'WARN' && message === 'Failing workflow task';

/**
 * For a command that replays workflows in its own process (`deploy check`): the SDK's INFO log
 * (webpack's report of every module, each worker state) would bury the command's few lines, so
 * only warnings and errors pass, on stderr.
 */
export function commandLogger(): Logger {
  return new DefaultLogger('WARN', (entry) => {
    if (!isReplayFailure(entry)) oneLine(entry);
  });
}

/**
 * The runtime of such a command, with commandLogger. Core's own log is forwarded to that logger:
 * left to itself it prints on stdout, before `--json`'s JSON. Install it right before the command
 * makes its replay worker: a runtime shuts down once its last worker is gone, but one that never
 * had any stays up, keeping the command from exiting and swallowing Ctrl-C. A runtime that exists
 * already (a test's, a host program's) keeps its logger.
 */
export function installCommandRuntime(): void {
  try {
    Runtime.install({ logger: commandLogger(), telemetryOptions: { logging: { forward: {} } } });
  } catch (err) {
    if (!(err instanceof IllegalStateError)) throw err;
  }
}
