/** A background loop: a round now, again at once while there is more or it was kicked, else after a pause. */
export interface Poller {
  /** Run a round now rather than at the next poll. */
  kick(): void;
  /** Stops; resolves once the round under way is finished. */
  stop(): Promise<void>;
}

/**
 * Runs `round` (which must not throw; it says whether more is waiting) until stopped, pausing
 * `intervalMs` between rounds that found nothing more, unless kicked.
 */
export function poll(round: () => Promise<boolean>, intervalMs: number): Poller {
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      kicked = false;
      const more = await round();
      if (stopped) break;
      if (more || kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}

/**
 * A poller's rounds that cannot do their work (Postgres down or turning connections down): said
 * when they start and when their reason changes, not at every round, and said when a round works
 * again, with the count of rounds that failed meanwhile.
 */
export class FailingRounds {
  private problem: string | undefined;
  private failed = 0;

  /** A round failed for `problem`: whether to say so (the first, or a reason of its own). */
  failure(problem: string): boolean {
    this.failed++;
    const news = problem !== this.problem;
    this.problem = problem;
    return news;
  }

  /** A round worked: the rounds that had failed in a row before it (0: nothing to say). */
  success(): number {
    const failed = this.failed;
    this.failed = 0;
    this.problem = undefined;
    return failed;
  }
}
