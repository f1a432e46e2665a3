/**
 * The HTTP endpoint's log while a dependency does not answer: Postgres down, restarting or turning
 * connections down (a password changed while the endpoint runs), or Postgres (too slow to answer)
 * and Temporal (down) behind /readyz.
 * Every request that needs it is answered 503 (the store's webhook and the load balancer retry);
 * the log says so once (the address, why, and what to change), then a line a minute with the count
 * of 503s, and a line when it answers again — as the worker tells a Temporal outage
 * (src/temporal/repeated-warnings.ts), not a line per request or per probe.
 */
import { postgresTrouble } from '../main-helpers.js';
import { grpcErrorInWords, SUMMARY_EVERY_MS } from '../temporal/repeated-warnings.js';

/** What differs between the dependencies the endpoint watches. */
export interface Dependency {
  /** `Postgres`, `Temporal`. */
  name: string;
  /** `use`, `reach`: "cannot use Postgres", "cannot reach Temporal". */
  verb: string;
  /** Where it is, when the endpoint was not told its address. */
  unnamed: string;
  /** Why it failed, in words, and what to change when the error says (a refused password). */
  trouble: (err: unknown) => { why: string; advice?: string };
  /** What to check when the error does not say. */
  advice: string;
  /** What is answered 503 while it lasts: `request`, `readiness check` (one, many). */
  answered: readonly [string, string];
  /** What happens meanwhile, after "…;". */
  meanwhile: string;
}

export const POSTGRES: Dependency = {
  name: 'Postgres',
  verb: 'use',
  unnamed: 'the address in DATABASE_URL',
  trouble: postgresTrouble,
  advice: 'check that it is running and that DATABASE_URL points to it',
  answered: ['request', 'requests'],
  meanwhile: 'requests that need it are answered 503 until it answers',
};

/** What a dependency that fails /readyz's check turns away: the readiness checks alone. */
const READINESS = {
  answered: ['readiness check', 'readiness checks'],
  meanwhile: '/readyz answers 503 until it answers',
} as const;

/**
 * Postgres failing /readyz's check for another reason than an outage (isDatabaseOutage): no answer
 * within the check's time, from a Postgres too busy to answer or while every connection of the
 * endpoint's pool is taken. The other routes still try it, so only the checks are counted.
 */
export const POSTGRES_READINESS: Dependency = {
  ...POSTGRES,
  advice: 'check that it is running and not overloaded, and that DATABASE_URL points to it',
  ...READINESS,
};

export const TEMPORAL: Dependency = {
  name: 'Temporal',
  verb: 'reach',
  unnamed: 'the address in TEMPORAL_ADDRESS',
  trouble: (err) => ({ why: grpcErrorInWords(err) }),
  advice: 'check that it is running and that TEMPORAL_ADDRESS points to it',
  ...READINESS,
};

export interface OutageLogOptions {
  /** The dependency watched (default: Postgres). */
  dependency?: Dependency;
  /** Its address (for Postgres host:port/database of DATABASE_URL, never the password). */
  address?: string;
  /** Resolves when it answers; tried every `probeEveryMs` while an outage lasts. */
  probe: () => Promise<void>;
  /** Prints a line (default: the console, as `http: …`). */
  print?: (level: 'warn' | 'info', line: string) => void;
  /** The clock (a test's own). */
  now?: () => number;
  /** How often the probe is tried during an outage (0: only when check() is called). Default 5 s. */
  probeEveryMs?: number;
}

interface Outage {
  /** Why the dependency cannot be used, as last seen. */
  why: string;
  /** When the current minute of counting began. */
  windowStart: number;
  /** Requests answered 503 since the last line. */
  answered: number;
}

export class OutageLog {
  private outage: Outage | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly dependency: Dependency;
  private readonly where: string;
  private readonly now: () => number;
  private readonly print: (level: 'warn' | 'info', line: string) => void;

  constructor(private readonly opts: OutageLogOptions) {
    this.dependency = opts.dependency ?? POSTGRES;
    this.where = `${this.dependency.name} at ${opts.address ?? this.dependency.unnamed}`;
    this.now = opts.now ?? Date.now;
    this.print =
      opts.print ??
      ((level, line) => (level === 'warn' ? console.warn : console.log)(`http: ${line}`));
  }

  /** Whether the dependency has not answered since the line that said so. */
  get down(): boolean {
    return this.outage !== undefined;
  }

  /** A request was answered 503 because of `err`: the first one says why, the rest are counted. */
  unavailable(err: unknown): void {
    if (this.outage) {
      this.outage.answered++;
      this.outage.why = this.dependency.trouble(err).why;
      this.summarise();
      return;
    }
    const { why, advice } = this.dependency.trouble(err);
    this.outage = { why, windowStart: this.now(), answered: 0 };
    const { verb, meanwhile } = this.dependency;
    this.print(
      'warn',
      `cannot ${verb} ${this.where} (${why}): ${advice ?? this.dependency.advice}; ` +
        `${meanwhile}, with a line a minute meanwhile`,
    );
    const every = this.opts.probeEveryMs ?? 5000;
    // Unref'd: an outage still being watched never keeps a stopping endpoint alive.
    if (every > 0) this.timer = setInterval(() => void this.check(), every).unref();
  }

  /** The dependency answered: after an outage, says so once. */
  answers(): void {
    const outage = this.outage;
    if (!outage) return;
    this.stop();
    const uncounted = outage.answered
      ? ` (${this.requests(outage.answered)} answered 503 since the last line)`
      : '';
    this.print('info', `${this.where} answers again${uncounted}`);
  }

  /**
   * During an outage, tries the probe: requests may stop coming (a store backing off) while the
   * dependency comes back, so they cannot be what tells it.
   */
  async check(): Promise<void> {
    if (!this.outage || this.checking) return;
    this.checking = true;
    try {
      await this.opts.probe();
      this.answers();
    } catch (err) {
      if (this.outage) this.outage.why = this.dependency.trouble(err).why;
      this.summarise();
    } finally {
      this.checking = false;
    }
  }

  /** Stops the probe; an outage under way is no longer watched. */
  stop(): void {
    this.outage = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private requests(n: number): string {
    const [one, many] = this.dependency.answered;
    return n === 0 ? `no ${one}` : `${n} ${n === 1 ? one : many}`;
  }

  /** Once a minute during an outage: the 503s counted since the last line. */
  private summarise(): void {
    const outage = this.outage;
    const now = this.now();
    if (!outage || now - outage.windowStart < SUMMARY_EVERY_MS) return;
    this.print(
      'warn',
      `still cannot ${this.dependency.verb} ${this.where} (${outage.why}): ${this.requests(outage.answered)} answered 503 in the last minute`,
    );
    outage.answered = 0;
    outage.windowStart = now;
  }
}
