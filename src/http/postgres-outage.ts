/**
 * The HTTP endpoint's log while it cannot use Postgres: down, restarting, or turning connections
 * down (a password changed while the endpoint runs). Every request that needs it is answered 503,
 * and the store's webhook retries; the log says so once (the address, why, and what to change in
 * DATABASE_URL), then a line a minute with the count of 503s, and a line when Postgres answers
 * again — as the worker tells a Temporal outage (src/temporal/repeated-warnings.ts), not a line and
 * a stack per request.
 */
import { postgresTrouble } from '../main-helpers.js';
import { SUMMARY_EVERY_MS } from '../temporal/repeated-warnings.js';

export interface PostgresOutageOptions {
  /** host:port/database of DATABASE_URL, never the password. */
  address?: string;
  /** Resolves when Postgres answers; tried every `probeEveryMs` while an outage lasts. */
  probe: () => Promise<void>;
  /** Prints a line (default: the console, as `http: …`). */
  print?: (level: 'warn' | 'info', line: string) => void;
  /** The clock (a test's own). */
  now?: () => number;
  /** How often the probe is tried during an outage (0: only when check() is called). Default 5 s. */
  probeEveryMs?: number;
}

interface Outage {
  /** Why Postgres cannot be used, as last seen. */
  why: string;
  /** When the current minute of counting began. */
  windowStart: number;
  /** Requests answered 503 since the last line. */
  answered: number;
}

const requests = (n: number) =>
  n === 0 ? 'no request' : `${n} ${n === 1 ? 'request' : 'requests'}`;

export class PostgresOutageLog {
  private outage: Outage | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly where: string;
  private readonly now: () => number;
  private readonly print: (level: 'warn' | 'info', line: string) => void;

  constructor(private readonly opts: PostgresOutageOptions) {
    this.where = opts.address ?? 'the address in DATABASE_URL';
    this.now = opts.now ?? Date.now;
    this.print =
      opts.print ??
      ((level, line) => (level === 'warn' ? console.warn : console.log)(`http: ${line}`));
  }

  /** Whether Postgres has not answered since the line that said so. */
  get down(): boolean {
    return this.outage !== undefined;
  }

  /** A request was answered 503 because of `err`: the first one says why, the rest are counted. */
  unavailable(err: unknown): void {
    if (this.outage) {
      this.outage.answered++;
      this.summarise();
      return;
    }
    const { why, advice } = postgresTrouble(err);
    this.outage = { why, windowStart: this.now(), answered: 0 };
    this.print(
      'warn',
      `cannot use Postgres at ${this.where} (${why}): ` +
        `${advice ?? 'check that it is running and that DATABASE_URL points to it'}; ` +
        'requests that need it are answered 503 until it answers, with a line a minute meanwhile',
    );
    const every = this.opts.probeEveryMs ?? 5000;
    // Unref'd: an outage still being watched never keeps a stopping endpoint alive.
    if (every > 0) this.timer = setInterval(() => void this.check(), every).unref();
  }

  /** Postgres answered: after an outage, says so once. */
  answers(): void {
    const outage = this.outage;
    if (!outage) return;
    this.stop();
    const uncounted = outage.answered
      ? ` (${requests(outage.answered)} answered 503 since the last line)`
      : '';
    this.print('info', `Postgres at ${this.where} answers again${uncounted}`);
  }

  /**
   * During an outage, tries the probe: requests may stop coming (a store backing off) while
   * Postgres comes back, so they cannot be what tells it.
   */
  async check(): Promise<void> {
    if (!this.outage || this.checking) return;
    this.checking = true;
    try {
      await this.opts.probe();
      this.answers();
    } catch (err) {
      if (this.outage) this.outage.why = postgresTrouble(err).why;
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

  /** Once a minute during an outage: the 503s counted since the last line. */
  private summarise(): void {
    const outage = this.outage;
    const now = this.now();
    if (!outage || now - outage.windowStart < SUMMARY_EVERY_MS) return;
    this.print(
      'warn',
      `still cannot use Postgres at ${this.where} (${outage.why}): ${requests(outage.answered)} answered 503 in the last minute`,
    );
    outage.answered = 0;
    outage.windowStart = now;
  }
}
