/**
 * What a validation error lists: the `problems` of the `type` error that `run` throws, or [] when
 * it throws none. Any other error is thrown on, so a crash never passes for "no problems".
 */
export function thrownProblems<P>(
  type: abstract new (...args: never[]) => Error & { problems: P[] },
  run: () => unknown,
): P[] {
  try {
    run();
  } catch (err) {
    if (err instanceof type) return err.problems;
    throw err;
  }
  return [];
}
