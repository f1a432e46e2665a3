/**
 * Failures that say nothing about the work that failed: retried for as long as they last, never a
 * reason to park an inbox event or a queued journey start.
 */
import { isDatabaseOutage } from '../db/errors.js';
import { causeChain } from '../domain/errors.js';

/**
 * Temporal or Postgres unreachable, Temporal turning calls away over its rate limits, or Postgres
 * turning connections down (a password changed while Boomerang runs): what failed (an event, a
 * start) is not at fault.
 */
export function isOutage(err: unknown): boolean {
  if (isDatabaseOutage(err)) return true;
  for (const e of causeChain(err, 6)) {
    const { code } = e as { code?: unknown };
    const message = String((e as { message?: unknown }).message ?? '');
    // gRPC 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED: the Temporal server is down or overloaded.
    if (code === 14 || code === 4 || /\b(UNAVAILABLE|DEADLINE_EXCEEDED)\b/.test(message))
      return true;
    // gRPC 8 RESOURCE_EXHAUSTED: a namespace's rate limit or a busy workflow, which pass; but a
    // message over gRPC's size limit is the work's own and would be refused every time.
    if ((code === 8 || /\bRESOURCE_EXHAUSTED\b/.test(message)) && !/larger than max/i.test(message))
      return true;
  }
  return false;
}
