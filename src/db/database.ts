/**
 * The Kysely instance over a pg pool. Created by composition roots (worker, HTTP server, CLI) and
 * passed down; nothing in the codebase holds a module-level database.
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { type ConnectTimeout, DEFAULT_CONNECT_TIMEOUT } from './connect-timeout.js';
import { PostgresConnectError } from './errors.js';
import { LostConnections } from './lost-connections.js';
import type { Database } from './schema.js';

// Postgres returns NUMERIC and BIGINT as strings to avoid precision loss; amounts here are
// NUMERIC(14,2) and counts fit in a double, so numbers are what the code wants.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Db = Kysely<Database>;

/** What repositories take: the Kysely instance or a transaction, so the caller owns the transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

/** Run `fn` in the caller's transaction, or in a new one when given the plain Kysely instance. */
export async function inTransaction<T>(
  db: Executor,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db as Transaction<Database>);
  return db.transaction().execute(fn);
}

/**
 * Postgres did not finish setting up a new connection in time: a host that takes the TCP connection
 * and never answers, or drops the attempt unanswered. It carries the code and address Node's own connection
 * errors carry, so it is told as they are and counts as "Postgres is not there right now".
 */
export class PostgresConnectTimeoutError extends Error {
  override name = 'PostgresConnectTimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    readonly address: string,
    readonly port: number,
    readonly timeout: ConnectTimeout,
    options?: ErrorOptions,
  ) {
    super(
      `connecting to Postgres at ${address}:${port} timed out after ${timeout.seconds} s, set by ${timeout.setting}`,
      options,
    );
  }
}

/** host:port/database, never the password: how a message names a Postgres. */
function addressOf({
  host,
  port,
  database,
}: Pick<pg.Client, 'host' | 'port' | 'database'>): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}/${database ?? ''}`;
}

/** The address of the Postgres a connection string points to, as pg reads it (PGHOST etc. filling in). */
export function databaseAddress(connectionString: string): string {
  return addressOf(new pg.Client({ connectionString }));
}

type ConnectCallback = ((err: Error) => void) | ((err: null, client: pg.Client) => void);

/**
 * pg's Client with a timeout on setting up its own connection: pg's connectionTimeoutMillis runs
 * from the TCP connect through TLS and the startup and authentication exchange, to Postgres's
 * first ReadyForQuery. The pool is not given the option, as pg-pool would also fail a query that
 * waits longer than that for a free connection of a busy pool.
 */
function clientWithConnectTimeout(timeout: ConnectTimeout): typeof pg.Client {
  const explained = (client: pg.Client, err: Error): Error => {
    // pg leaves the socket open after a failure on its own side (SASL without a password): the
    // server would hold it until its authentication_timeout, and the process could not exit.
    client.connection.stream.destroy();
    // The error pg's timer destroys the socket with (pg/lib/client.js).
    if (err.message === 'timeout expired')
      return new PostgresConnectTimeoutError(client.host, client.port, timeout, { cause: err });
    // Node's network errors (refused, no such host) carry the address already. The rest come from
    // Postgres (a DatabaseError) or from pg's side of the exchange (SASL without a password).
    if (!(err instanceof pg.DatabaseError) && (err as { code?: unknown }).code !== undefined)
      return err;
    return new PostgresConnectError(addressOf(client), err);
  };
  return class ConnectTimeoutClient extends pg.Client {
    constructor(config: pg.ClientConfig = {}) {
      super({ ...config, connectionTimeoutMillis: timeout.seconds * 1000 });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
      if (!callback)
        return super.connect().catch((err: Error) => {
          throw explained(this, err);
        });
      const done = callback as (err: Error | null, client?: pg.Client) => void;
      super.connect((err: Error | null) => (err ? done(explained(this, err)) : done(null, this)));
    }
  };
}

/**
 * One connection to `connection` (a URL or pg's options), connected, for statements outside the
 * pool (creating databases and roles). Connecting fails as the pool's connections do: with a
 * PostgresConnectError, a PostgresConnectTimeoutError or Node's own network error, each told in one
 * line by the entry points.
 */
export async function connectClient(
  connection: string | pg.ClientConfig,
  connectTimeout: ConnectTimeout = DEFAULT_CONNECT_TIMEOUT,
): Promise<pg.Client> {
  const Client = clientWithConnectTimeout(connectTimeout);
  const client = new Client(
    typeof connection === 'string' ? { connectionString: connection } : connection,
  );
  await client.connect();
  return client;
}

/**
 * The pool every entry point opens Postgres with. `connectTimeout` bounds the setting up of each new
 * connection (default: PGCONNECT_TIMEOUT's); waiting for a free connection is not bounded.
 */
export function createDb(
  connectionString: string,
  opts: { max?: number; connectTimeout?: ConnectTimeout } = {},
): Db {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 10,
    Client: clientWithConnectTimeout(opts.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
  });
  const lost = new LostConnections(databaseAddress(connectionString));
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', (err, client) => lost.lost(client, err, true));
  // A connection checked out when Postgres dies (between the queries of a transaction) emits
  // 'error' on its client, not the pool: unheard, it would end the process. The query under way
  // fails on its own, and the pool drops the broken connection when it is released.
  pool.on('connect', (client) => client.on('error', (err) => lost.lost(client, err, false)));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** `SELECT 1`: resolves when Postgres answers (the readiness probe). */
export async function pingDatabase(db: Executor): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
