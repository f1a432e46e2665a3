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
