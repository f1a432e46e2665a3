/**
 * Postgres ending the pool's connections (a restart, pg_terminate_backend) emits an error for each,
 * an idle one's on both the client and the pool: a restart printed two lines per connection. They
 * are gathered until a second passes without another, then told in one line.
 */
import type pg from 'pg';

/** How long a burst is gathered after its last error. */
const BURST_QUIET_MS = 1000;

export class LostConnections {
  /** The burst under way: each connection lost, whether it was idle, and the first reason heard. */
  private readonly burst = new Map<pg.ClientBase, { idle: boolean; reason: string }>();
  /** Connections already told: a later error of theirs is not a new loss. */
  private readonly told = new WeakSet<pg.ClientBase>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** host:port/database, never the password. */
    private readonly address: string,
    private readonly print: (line: string) => void = (line) => console.error(line),
  ) {}

  /** `client` failed (`idle`: the pool says it was not checked out). */
  lost(client: pg.ClientBase, err: Error, idle: boolean): void {
    if (this.told.has(client)) return;
    const seen = this.burst.get(client);
    if (seen) seen.idle ||= idle;
    else this.burst.set(client, { idle, reason: err.message });
    clearTimeout(this.timer);
    // Unref'd: a line still owed never keeps a stopping process alive.
    this.timer = setTimeout(() => this.flush(), BURST_QUIET_MS).unref();
  }

  /** Tells the burst gathered so far in one line. */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.burst.size === 0) return;
    const lost = [...this.burst.values()];
    for (const client of this.burst.keys()) this.told.add(client);
    this.burst.clear();
    const idle = lost.filter((c) => c.idle).length;
    const inUse = lost.length - idle;
    const counts = [
      idle && `${idle} idle ${idle === 1 ? 'connection' : 'connections'}`,
      inUse && `${inUse} ${inUse === 1 ? 'connection' : 'connections'} in use`,
    ].filter(Boolean);
    const reasons = [...new Set(lost.map((c) => c.reason))].join('; ');
    this.print(
      `postgres pool: lost ${counts.join(' and ')} to Postgres at ${this.address} (${reasons}); ` +
        'new ones are opened as needed',
    );
  }
}
