/**
 * Failures that say nothing about the work that failed: retried for as long as they last, never a
 * reason to park an inbox event or a queued journey start.
 */
import { isDatabaseOutage } from '../db/errors.js';
import { causeChain } from '../domain/errors.js';

/**
 * Temporal or Postgres unreachable, or Postgres turning connections down (a password changed
 * while Boomerang runs): what failed (an event, a start) is not at fault.
 */
export function isOutage(err: unknown): boolean {
  if (isDatabaseOutage(err)) return true;
  for (const e of causeChain(err, 6)) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    // gRPC 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: the Temporal server is down or overloaded.
    if (code === 14 || code === 4) return true;
    if (typeof message === 'string' && /\b(UNAVAILABLE|DEADLINE_EXCEEDED)\b/.test(message))
      return true;
  }
  return false;
}
