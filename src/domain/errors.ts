/**
 * An error and its causes in one line ("Failed to start Workflow: 14 UNAVAILABLE: …"): at most
 * `maxParts` messages, each left out when an earlier one already says it. No I/O: workflows may
 * use it.
 */
export function messageWithCauses(err: unknown, maxParts = 4): string {
  const parts: string[] = [];
  for (
    let e: unknown = err;
    e !== undefined && e !== null && parts.length < maxParts;
    e = (e as { cause?: unknown }).cause
  ) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}
