/**
 * The inbox processor and its start queue while Postgres turns them away (the role's password
 * changed while they run): each says once that it cannot do its work, not at every poll, and once
 * that it works again, with the count of attempts that failed meanwhile.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db } from '../../src/db/database.js';
import { type InboxProcessor, startInboxProcessor } from '../../src/inbox/processor.js';
import { unreachableTemporal } from '../http/support.js';
import { queryRows, useTestDatabase } from '../support/db.js';
import { until } from '../support/processes.js';

const database = useTestDatabase();

describe('the inbox processor and the start queue when Postgres turns them away', () => {
  const admin = inject('adminDatabaseUrl');
  const role = `inboxdown_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let db: Db;
  let temporal: Client;
  let processor: InboxProcessor | undefined;

  beforeAll(async () => {
    // Refused from the start: the role's password is not the one the pool is given.
    await queryRows(admin, `CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD 'not-${password}'`);
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    db = createDb(url.toString(), { max: 2 });
    temporal = await unreachableTemporal();
  });
  afterAll(async () => {
    await processor?.stop();
    await db?.destroy();
    await temporal?.connection.close();
    await queryRows(admin, `DROP ROLE IF EXISTS ${role}`);
  });

  it('says once that each cannot work, and once that each works again', async () => {
    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
    processor = startInboxProcessor(
      { db, temporal, taskQueue: 'unused', queueStarts: true },
      { intervalMs: 50, log },
    );
    const failing = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    await until(
      async () => (failing('inbox: cannot') > 0 && failing('start queue: cannot') > 0) || undefined,
      'both to say that they cannot work',
    );
    await queryRows(admin, `ALTER ROLE ${role} PASSWORD '${password}'`);
    await until(
      async () =>
        (lines.some((l) => l.startsWith('inbox: processing events again')) &&
          lines.some((l) => l.startsWith('start queue: starting journeys again'))) ||
        undefined,
      'both to say that they work again',
    );
    await processor.stop();
    processor = undefined;

    const refused = `password authentication failed for user "${role}"`;
    const inbox = lines.filter((l) => l.startsWith('inbox: '));
    const starts = lines.filter((l) => l.startsWith('start queue: '));
    expect(inbox).toEqual([
      expect.stringMatching(/^inbox: cannot process events \(.*\); retrying every 50 ms$/),
      expect.stringMatching(/^inbox: processing events again, after \d+ failed attempts?$/),
    ]);
    expect(inbox[0]).toContain(refused);
    expect(starts).toEqual([
      expect.stringMatching(/^start queue: cannot start journeys \(.*\); retrying every 1000 ms$/),
      expect.stringMatching(/^start queue: starting journeys again, after \d+ failed attempts?$/),
    ]);
    expect(starts[0]).toContain(refused);
    expect(lines).toHaveLength(4);
  });
});
