/**
 * Server-level statements (databases, not tables), for provisioning. Apart from the embedded
 * Postgres module because that one installs signal handlers on import.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { connectClient } from './database.js';

/**
 * Runs `use` on one connection to `url`, closed afterwards whatever happens. Connected as the pool
 * connects, so that a Postgres turning it down is told in one line naming DATABASE_URL.
 */
async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Creates a database unless it exists. Names are quoted; only [a-z0-9_] are accepted. */
export async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  template?: string,
): Promise<boolean> {
  for (const n of [name, template]) {
    if (n !== undefined && !/^[a-z_][a-z0-9_]*$/.test(n))
      throw new Error(`Invalid database name ${JSON.stringify(n)}`);
  }
  return withClient(adminUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
    return true;
  });
}

function isAuthFailure(err: unknown): boolean {
  return (err as { code?: string }).code === '28P01';
}

/**
 * A cluster initialised before passwords were generated still has the well-known one: when the
 * generated password is refused and the old one works, the old one is replaced.
 */
export async function replaceLegacyPassword(opts: {
  port: number;
  user: string;
  legacyPassword: string;
  password: string;
  log: (message: string) => void;
}): Promise<void> {
  const { port, user, legacyPassword, password, log } = opts;
  const connect = (pw: string) =>
    connectClient({ host: 'localhost', port, user, password: pw, database: 'postgres' });
  try {
    await (await connect(password)).end();
    return;
  } catch (err) {
    if (!isAuthFailure(err) || password === legacyPassword) throw err;
  }
  const client = await connect(legacyPassword).catch((err: unknown) => {
    throw new Error(
      `the embedded Postgres refuses the superuser password kept in the secrets file (${(err as Error).message}); ` +
        'restore that file, or move the data directory away to start a new cluster',
    );
  });
  try {
    await client.query(`ALTER ROLE ${user} PASSWORD ${client.escapeLiteral(password)}`);
    log('replaced the well-known superuser password of the embedded Postgres with a generated one');
  } finally {
    await client.end();
  }
}

/** The role `npm start`'s application connects as. */
export const APPLICATION_ROLE = 'boomerang_app';

export interface ApplicationRole {
  /** e.g. `boomerang_app`: [a-z_][a-z0-9_]* */
  name: string;
  password: string;
}

/** What provisionApplicationRole runs; docker-compose.yml's Postgres runs it too, on its first start. */
export const APPLICATION_ROLE_SQL_FILE = fileURLToPath(
  new URL('application-role.sql', import.meta.url),
);

/**
 * Makes `role` a login role that is neither superuser nor able to create databases or roles, the
 * owner of the `public` schema of `database` and of every object in it (migrations run as it), and
 * the only role besides superusers allowed to connect to that database. Idempotent: run on every
 * start, it also moves objects created by the superuser of older versions to the role. One
 * transaction, connected to `database`, running APPLICATION_ROLE_SQL_FILE.
 */
export async function provisionApplicationRole(
  adminUrl: string,
  database: string,
  role: ApplicationRole,
): Promise<void> {
  for (const name of [database, role.name])
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Invalid name ${JSON.stringify(name)}`);
  const statements = await readFile(APPLICATION_ROLE_SQL_FILE, 'utf8');
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  await withClient(url.toString(), async (admin) => {
    try {
      await admin.query('BEGIN');
      await admin.query(
        `SELECT set_config('boomerang.app_role', $1, true), set_config('boomerang.app_password', $2, true)`,
        [role.name, role.password],
      );
      await admin.query(statements);
      await admin.query('COMMIT');
    } catch (err) {
      await admin.query('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/**
 * The history shard count a Temporal persistence database was set up with (its cluster metadata);
 * undefined before its first start. The record is Temporal's `ClusterMetadata` protobuf, whose
 * field 2 is `history_shard_count`.
 */
export async function temporalHistoryShards(url: string): Promise<number | undefined> {
  const { rows } = await withClient(url, (client) =>
    client.query<{ data: Buffer; data_encoding: string }>(
      'SELECT data, data_encoding FROM cluster_metadata_info ORDER BY version DESC LIMIT 1',
    ),
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.data_encoding.toLowerCase() !== 'proto3')
    throw new Error(`cluster_metadata_info: unexpected encoding ${row.data_encoding}`);
  return protobufVarintField(row.data, 2);
}

/** A top-level varint field of a protobuf message (the last occurrence, as protobuf reads it). */
function protobufVarintField(message: Uint8Array, field: number): number | undefined {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= message.length || shift > 63) throw new Error('truncated protobuf varint');
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  let found: number | undefined;
  while (at < message.length) {
    const key = varint();
    const wireType = key % 8;
    const number = Math.floor(key / 8);
    if (wireType === 0) {
      const value = varint();
      if (number === field) found = value;
    } else if (wireType === 1) at += 8;
    else if (wireType === 2) {
      const length = varint();
      at += length;
    } else if (wireType === 5) at += 4;
    else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return found;
}
