/**
 * Failures that say nothing about the work that failed: retried for as long as they last, never a
 * reason to park an inbox event or a queued journey start.
 */
import { isDatabaseOutage } from '../db/errors.js';
import { causeChain, messageWithCauses } from '../domain/errors.js';
import { postgresTrouble } from '../main-helpers.js';
import { grpcErrorInWords } from '../temporal/repeated-warnings.js';

/** What an outage is, and the error in its cause chain that says so. */
interface Outage {
  kind: 'postgres' | 'unreachable' | 'rate-limited';
  error: unknown;
}

/** gRPC's 14 UNAVAILABLE and 4 DEADLINE_EXCEEDED: the Temporal server is down or overloaded. */
const UNREACHABLE_CODES = [14, 4];
const UNREACHABLE = /\b(UNAVAILABLE|DEADLINE_EXCEEDED)\b/;
/** gRPC's 8 RESOURCE_EXHAUSTED: a namespace's rate limit or a busy workflow, which pass. */
const RATE_LIMITED_CODE = 8;
const RATE_LIMITED = /\bRESOURCE_EXHAUSTED\b/;
/** RESOURCE_EXHAUSTED too, but the work's own: a message over gRPC's size limit, refused every time. */
const TOO_LARGE = /larger than max/i;

function grpcOutageOf(e: unknown): Outage['kind'] | undefined {
  const { code } = e as { code?: unknown };
  const message = String((e as { message?: unknown }).message ?? '');
  if (UNREACHABLE_CODES.includes(code as number) || UNREACHABLE.test(message)) return 'unreachable';
  if ((code === RATE_LIMITED_CODE || RATE_LIMITED.test(message)) && !TOO_LARGE.test(message))
    return 'rate-limited';
  return undefined;
}

function outageOf(err: unknown): Outage | undefined {
  const chain = [...causeChain(err, 6)];
  // The innermost: a wrapper's message says what was being done, not why it failed.
  if (isDatabaseOutage(err))
    return { kind: 'postgres', error: chain.reverse().find((e) => isDatabaseOutage(e)) ?? err };
  for (const e of chain) {
    const kind = grpcOutageOf(e);
    if (kind) return { kind, error: e };
  }
  return undefined;
}

/**
 * The outage `err` is, in words for a log line (what cannot be used, and why: "Temporal does not
 * answer (UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233)"); undefined when it is no outage.
 * Outages are Temporal or Postgres unreachable, Temporal turning calls away over its rate limits,
 * or Postgres turning connections down (a password changed while Boomerang runs): what failed (an
 * event, a start) is not at fault.
 */
export function outageInWords(err: unknown): string | undefined {
  const outage = outageOf(err);
  if (!outage) return undefined;
  if (outage.kind === 'postgres') {
    const { why, advice } = postgresTrouble(outage.error);
    return `Postgres cannot be used (${why})${advice ? `: ${advice}` : ''}`;
  }
  // The gRPC status itself (a number code, or `14 UNAVAILABLE: …`), not a wrapper that quotes it.
  const grpc = [...causeChain(err, 6)].find(
    (e) =>
      typeof (e as { code?: unknown }).code === 'number' ||
      /^\d+ [A-Z_]+: /.test(String((e as { message?: unknown }).message)),
  );
  const why = grpc ? grpcErrorInWords(grpc) : messageWithCauses(err, 3);
  return outage.kind === 'rate-limited'
    ? `Temporal turns calls away over its rate limits (${why})`
    : `Temporal does not answer (${why})`;
}
