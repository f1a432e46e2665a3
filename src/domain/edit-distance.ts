/** How far a misspelt name is from the one meant, for "did you mean" hints. Pure. */

/** Levenshtein distance: insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/** The first of `known` within two edits of `name`: the name it likely misspells. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  return known.find((k) => editDistance(name, k) <= 2);
}
