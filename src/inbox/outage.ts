/**
 * Failures that say nothing about the work that failed: retried for as long as they last, never a
 * reason to park an inbox event or a queued journey start.
 */
import { isDatabaseOutage } from '../db/errors.js';
import { causeChain, messageWithCauses } from '../domain/errors.js';
import { postgresTrouble } from '../main-helpers.js';
import { grpcErrorInWords } from '../temporal/repeated-warnings.js';

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

/** gRPC's RESOURCE_EXHAUSTED. */
const GRPC_RESOURCE_EXHAUSTED = 8;

/**
 * The outage `err` is, in words for a log line (what cannot be used, and why: "Temporal does not
 * answer (UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233)"); undefined when it is no outage.
 */
export function outageInWords(err: unknown): string | undefined {
  if (!isOutage(err)) return undefined;
  const chain = [...causeChain(err, 6)];
  // The innermost: a wrapper's message says what was being done, not why it failed.
  const postgres = [...chain].reverse().find((e) => isDatabaseOutage(e));
  if (postgres) {
    const { why, advice } = postgresTrouble(postgres);
    return `Postgres cannot be used (${why})${advice ? `: ${advice}` : ''}`;
  }
  const grpc = chain.find(
    (e) =>
      typeof (e as { code?: unknown }).code === 'number' ||
      /^\d+ [A-Z_]+: /.test(String((e as { message?: unknown }).message)),
  );
  const why = grpc ? grpcErrorInWords(grpc) : messageWithCauses(err, 3);
  const overLimit =
    (grpc as { code?: unknown } | undefined)?.code === GRPC_RESOURCE_EXHAUSTED ||
    /\bRESOURCE_EXHAUSTED\b/.test(why);
  return overLimit
    ? `Temporal turns calls away over its rate limits (${why})`
    : `Temporal does not answer (${why})`;
}
