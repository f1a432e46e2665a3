/**
 * A connection Postgres turns down is told as such, naming its address and DATABASE_URL; a query
 * that fails later with the same code (3D000, a database that does not exist) is not. So are the
 * connections that create databases and roles (provisioning, `npm start -- --temporal server`).
 */
import { sql } from 'kysely';
import { expect, inject, it } from 'vitest';
import { createDatabaseIfMissing, provisionApplicationRole } from '../../src/db/admin.js';
import { createDb } from '../../src/db/database.js';
import { describeError, explainsItself } from '../../src/main-helpers.js';

it('tells a database missing at connection from a statement that names a missing one', async () => {
  const admin = new URL(inject('adminDatabaseUrl'));
  const missing = new URL(admin);
  missing.pathname = '/nosuchdb';
  const [refused, connected] = [
    createDb(missing.toString(), { max: 1 }),
    createDb(admin.toString(), { max: 1 }),
  ];
  try {
    const atConnect: unknown = await sql`SELECT 1`.execute(refused).catch((err: unknown) => err);
    expect(describeError(atConnect)).toBe(
      `cannot connect to Postgres at ${admin.hostname}:${admin.port}/nosuchdb (database "nosuchdb" does not exist, 3D000): create the database, or set DATABASE_URL to one that exists`,
    );
    const later: unknown = await sql`DROP DATABASE nosuchdb`
      .execute(connected)
      .catch((err: unknown) => err);
    expect(later).toMatchObject({ code: '3D000' });
    expect(describeError(later)).toBe('database "nosuchdb" does not exist');
    expect(explainsItself(later)).toBe(false);
  } finally {
    await Promise.all([refused.destroy(), connected.destroy()]);
  }
});

it('tells a wrong password when creating a database or the application role', async () => {
  const wrong = new URL(inject('adminDatabaseUrl'));
  wrong.password = 'not-the-password';
  const refusals = await Promise.all([
    createDatabaseIfMissing(wrong.toString(), 'never_created').catch((err: unknown) => err),
    provisionApplicationRole(wrong.toString(), 'never_created', {
      name: 'never_created',
      password: 'x',
    }).catch((err: unknown) => err),
  ]);
  const line = (database: string) =>
    `cannot connect to Postgres at ${wrong.hostname}:${wrong.port}/${database} (password authentication failed for user "${wrong.username}", 28P01): fix the user or password in DATABASE_URL`;
  expect(refusals.map((err) => describeError(err))).toEqual([
    line(wrong.pathname.slice(1)),
    line('never_created'),
  ]);
  expect(refusals.map((err) => explainsItself(err))).toEqual([true, true]);
});
