/**
 * The worker's SDK log without what a person starting Boomerang does not need: webpack's report
 * of every module it bundled (printed on each start) and the messages worker's warning that it
 * has no workflows (it runs activities only, by design). Errors and everything else pass through.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';

/** Whether an SDK log line is start-up noise. */
export function isStartupNoise(level: LogLevel, message: string): boolean {
  if (level === 'INFO' && /\bwebpack [\d.]+ compiled\b/.test(message)) return true;
  return level === 'WARN' && message.startsWith('No workflows registered');
}

export class QuietLogger implements Logger {
  constructor(private readonly inner: Logger = new DefaultLogger('INFO')) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    if (!isStartupNoise(level, message)) this.inner.log(level, message, meta);
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
