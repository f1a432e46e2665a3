/**
 * grpc-js ends the message of a call that found no connection with its name resolver's note, most
 * often empty: "… Last error: Error: connect ECONNREFUSED 127.0.0.1:7233. Resolution note: ".
 */
const EMPTY_RESOLUTION_NOTE = /\s*Resolution note:\s*$/;

/** The message without an empty trailing resolution note (EMPTY_RESOLUTION_NOTE). */
export function withoutEmptyResolutionNote(message: string): string {
  return message.replace(EMPTY_RESOLUTION_NOTE, '');
}

/** `err` and the errors that caused it, outermost first: at most `depth` of them. */
export function* causeChain(err: unknown, depth: number): Generator<unknown> {
  for (let e: unknown = err, n = 0; e && n < depth; n++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * An error and its causes in one line ("Failed to start Workflow: 14 UNAVAILABLE: …"): at most
 * `maxParts` messages, each left out when an earlier one already says it, and none ending in an
 * empty resolution note. No I/O: workflows may use it.
 */
export function messageWithCauses(err: unknown, maxParts = 4): string {
  const parts: string[] = [];
  for (
    let e: unknown = err;
    e !== undefined && e !== null && parts.length < maxParts;
    e = (e as { cause?: unknown }).cause
  ) {
    const message = withoutEmptyResolutionNote(e instanceof Error ? e.message : String(e));
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}
