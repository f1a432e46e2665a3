/**
 * An unsubscribe click racing the store's writes to the same contact, on real Postgres: the store's
 * transaction holds the contact's row and commits only once the click waits for it, so the click
 * meets the store's change between its check and its write.
 */
import { sql, type Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findContact, upsertContact } from '../../src/db/contacts.js';
import type { Database } from '../../src/db/schema.js';
import { unsubscribeContact } from '../../src/services/contacts.js';
import { useTestDatabase } from '../support/db.js';

describe('unsubscribeContact while the store writes the contact', () => {
  const database = useTestDatabase();

  /** Resolves once `n` connections to this database wait for a lock another one holds. */
  async function untilWaitingForLocks(n: number): Promise<void> {
    for (;;) {
      const { rows } = await sql<{ waiting: number }>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0`.execute(
        database.db,
      );
      if (rows[0]!.waiting >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Makes `storeWrite` in a transaction, starts the clicks while it is open, and commits it once
   * every click waits for the contact's row; then the clicks' outcomes.
   */
  async function clicksDuring(
    storeWrite: (trx: Transaction<Database>) => Promise<unknown>,
    clicks: (() => ReturnType<typeof unsubscribeContact>)[],
  ) {
    const { pending } = await database.db.transaction().execute(async (trx) => {
      await storeWrite(trx);
      const pending = Promise.all(clicks.map((click) => click()));
      await untilWaitingForLocks(clicks.length);
      // Wrapped: returning the promise itself would wait for the clicks before committing.
      return { pending };
    });
    return pending;
  }

  it('a subscription committed while the click is handled voids a link issued before it', async () => {
    // A customer who got an order email a minute ago subscribes at checkout as they click its link.
    const { contact } = await upsertContact(database.db, {
      externalId: 'checkout-1',
      email: 'checkout1@example.com',
    });
    const linkIssuedAt = new Date(Date.now() - 60_000);
    const outcomes = await clicksDuring(
      (store) => upsertContact(store, { externalId: 'checkout-1', newsletterStatus: 'subscribed' }),
      [() => unsubscribeContact(database.db, contact.id, linkIssuedAt)],
    );
    expect(outcomes).toEqual(['voided']);
    expect(await findContact(database.db, contact.id)).toMatchObject({
      newsletterStatus: 'subscribed',
      newsletterUnsubscribedAt: null,
    });
  });

  it('of two clicks at once, one unsubscribes and the other finds it done', async () => {
    const { contact } = await upsertContact(
      database.db,
      { externalId: 'reader-2', email: 'reader2@example.com', newsletterStatus: 'subscribed' },
      { now: new Date('2026-01-01T00:00:00Z') },
    );
    const issuedAt = new Date();
    const outcomes = await clicksDuring(
      (store) => upsertContact(store, { externalId: 'reader-2', firstName: 'Ada' }),
      [
        () => unsubscribeContact(database.db, contact.id, issuedAt),
        () => unsubscribeContact(database.db, contact.id, issuedAt),
      ],
    );
    expect(outcomes.sort()).toEqual(['already_unsubscribed', 'unsubscribed']);
    const after = await findContact(database.db, contact.id);
    expect(after).toMatchObject({ newsletterStatus: 'unsubscribed', firstName: 'Ada' });
    expect(after!.newsletterUnsubscribedAt!.getTime()).toBeGreaterThanOrEqual(
      issuedAt.getTime() - 1000,
    );
  });
});
