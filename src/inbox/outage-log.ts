/**
 * The inbox processor's and the start queue's log while an outage holds work up (Temporal or
 * Postgres down, Temporal's rate limits): every event or start that must reach it fails each retry
 * for the same reason, so the log says why once, in words, then counts the failed attempts, a line
 * a minute at most, and says when the work it held up goes through again — as the worker tells
 * core's retries (src/temporal/repeated-warnings.ts) and the HTTP endpoint its 503s
 * (src/http/outage-log.ts), not a line per event and retry. Other failures are the work's own.
 */
import { counted } from '../domain/counted.js';
import { SUMMARY_EVERY_MS } from '../temporal/repeated-warnings.js';

/** What the log needs of an attempt: an event's outcome (EventOutcome), a queued start's. */
export interface Attempt {
  /** inbox_events.id, or a queued start's workflow id. */
  id: number | string;
  status: string;
  /** A failed attempt's outage, in words (outageInWords); absent for any other outcome. */
  outage?: string;
}

interface Outage {
  /** The outage, in words, as last seen. */
  cause: string;
  /** When the last line was printed. */
  windowStart: number;
  /** Attempts failed for it since the last line. */
  failed: number;
  /** The events that failed for it: one of them going through ends it. */
  held: Set<number | string>;
}

/** The words of the lines, for the work held up. */
export interface HeldWork {
  /** The lines' prefix: `inbox`, `start queue`. */
  prefix: string;
  /** One of them, counted: `event`, `journey start`. */
  noun: string;
  /** `not applied`, `not started`. */
  notDone: string;
  /** Where they wait: `they stay pending`, `they stay queued`. */
  waiting: string;
  /** `applying events`, `starting journeys`. */
  doing: string;
  /** `events held up by the outage apply again`. */
  again: string;
}

export const HELD_EVENTS: HeldWork = {
  prefix: 'inbox',
  noun: 'event',
  notDone: 'not applied',
  waiting: 'they stay pending',
  doing: 'applying events',
  again: 'events held up by the outage apply again',
};

export class OutageFailures {
  private outage: Outage | undefined;

  constructor(
    private readonly log: { info(line: string): void; warn(line: string): void },
    private readonly work: HeldWork,
    /** The clock (a test's own). */
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a batch's outcomes: says what there is to say of the outage, and returns the others. */
  take<A extends Attempt>(outcomes: readonly A[]): A[] {
    const failed = outcomes.filter((o) => o.outage !== undefined);
    const others = outcomes.filter((o) => o.outage === undefined);
    if (failed.length) {
      this.failed(failed);
      // Settled otherwise while it lasts: no longer held up by it.
      for (const o of others) this.outage?.held.delete(o.id);
    }
    // Over once an event it held up is settled otherwise (applied, mostly), in a batch where
    // nothing failed for it: while some still fail, it lasts.
    else if (this.outage && others.some((o) => this.outage!.held.has(o.id))) this.over();
    return others;
  }

  /** The work the current outage holds up (none when there is no outage). */
  held(): (number | string)[] {
    return [...(this.outage?.held ?? [])];
  }

  /**
   * Work settled elsewhere (another processor, `inbox discard`): the outage no longer holds it, and
   * is over once it holds nothing (no outcome of this log's would ever end it).
   */
  forget(id: number | string): void {
    this.outage?.held.delete(id);
    if (this.outage && !this.outage.held.size) this.over();
  }

  private failed(attempts: readonly Attempt[]): void {
    const cause = attempts[attempts.length - 1]!.outage!;
    const outage = this.outage;
    if (!outage) {
      this.outage = {
        cause,
        windowStart: this.now(),
        failed: 0,
        held: new Set(attempts.map((a) => a.id)),
      };
      const { prefix, noun, notDone, waiting } = this.work;
      this.log.warn(
        `${prefix}: ${counted(attempts.length, noun)} ${notDone}: ${cause}; ` +
          `${waiting} and are retried until it passes, with a line a minute meanwhile`,
      );
      return;
    }
    outage.cause = cause;
    outage.failed += attempts.length;
    for (const a of attempts) outage.held.add(a.id);
    const now = this.now();
    if (now - outage.windowStart < SUMMARY_EVERY_MS) return;
    this.log.warn(
      `${this.work.prefix}: still not ${this.work.doing}: ${cause}; ${counted(outage.failed, 'attempt')} failed for it since the last line`,
    );
    outage.failed = 0;
    outage.windowStart = now;
  }

  private over(): void {
    const failed = this.outage?.failed ?? 0;
    this.outage = undefined;
    const uncounted = failed ? ` (${counted(failed, 'failed attempt')} since the last line)` : '';
    this.log.info(`${this.work.prefix}: ${this.work.again}${uncounted}`);
  }
}
