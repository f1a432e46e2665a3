/**
 * Splits a batch into consecutive runs in which no key repeats, so each run can be written with
 * one set-based statement and a later input naming the same row is applied after, on top of it.
 */
export function* runsWithDistinctKeys<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
): Generator<readonly T[]> {
  let start = 0;
  while (start < items.length) {
    const seen = new Set<string>();
    let end = start;
    for (; end < items.length; end++) {
      const keys = keysOf(items[end]!);
      if (keys.some((k) => seen.has(k))) break;
      for (const k of keys) seen.add(k);
    }
    yield items.slice(start, end);
    start = end;
  }
}
