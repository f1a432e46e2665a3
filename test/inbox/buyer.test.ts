/**
 * The buyer rule for the store's purchase events (the same function as the order import's,
 * db/buyers.ts): the customer id identifies the contact; an email that belongs to a contact with
 * another customer id stays with it, the order is recorded on the customer the id names, and the
 * conflict is reported in the result. No journey is open, so no signal is sent: the Temporal
 * client given here fails the test if it is touched.
 */
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { findContact, upsertContact } from '../../src/db/contacts.js';
import { findOrder } from '../../src/db/orders.js';
import { applyEvent } from '../../src/inbox/apply.js';
import { type ApplyDeps, DeferredEventError } from '../../src/inbox/journey-entry.js';
import type { PurchaseEventInput } from '../../src/inbox/events.js';
import { useTestDatabase } from '../support/db.js';

const database = useTestDatabase();
let deps: ApplyDeps;

const untouchedClient = new Proxy({} as Client, {
  get(_target, prop) {
    throw new Error(`the Temporal client was used (${String(prop)}) though no journey is open`);
  },
});

beforeAll(async () => {
  deps = { db: database.db, temporal: untouchedClient, taskQueue: 'unused' };
  await upsertContact(database.db, { externalId: 'S1', email: 'sam@example.com' });
  await upsertContact(database.db, { email: 'ivy@example.com' });
});

const purchase = (orderId: string, contact: PurchaseEventInput['contact']): PurchaseEventInput => ({
  type: 'purchase',
  contact,
  order: {
    id: orderId,
    source: 'api',
    total: 25,
    placedAt: new Date('2025-01-10T10:00:00Z'),
    status: 'paid',
  },
});

describe('the buyer of a purchase event', () => {
  it('keeps the order on the customer its id names when the email belongs to another customer', async () => {
    const result = await applyEvent(
      deps,
      purchase('E-1', { externalId: 'S2', email: 'sam@example.com' }),
      new Date(),
    );
    const s1 = (await findContact(database.db, 'S1'))!;
    const s2 = (await findContact(database.db, 'S2'))!;
    expect(s1.email).toBe('sam@example.com');
    expect(s2).toMatchObject({ externalId: 'S2', email: null });
    expect(result).toMatchObject({
      type: 'purchase',
      contactId: s2.id,
      contact: 'inserted',
      conflict: expect.stringMatching(/email "sam@example.com" belongs to customer "S1"/),
    });
    expect((await findOrder(database.db, 'E-1', 'api'))!.contactId).toBe(s2.id);
  });

  it('gives an email-only contact the customer id, and finds a known customer by its id', async () => {
    const first = await applyEvent(
      deps,
      purchase('E-2', { externalId: 'I1', email: 'ivy@example.com' }),
      new Date(),
    );
    const ivy = (await findContact(database.db, 'ivy@example.com'))!;
    expect(ivy.externalId).toBe('I1');
    expect(first).toMatchObject({ contactId: ivy.id, contact: 'updated' });
    expect(first).not.toHaveProperty('conflict');

    const again = await applyEvent(deps, purchase('E-3', { externalId: 'I1' }), new Date());
    expect(again).toMatchObject({ contactId: ivy.id, contact: 'found' });
  });

  it('waits for the registration of an unknown customer without an email', async () => {
    await expect(
      applyEvent(deps, purchase('E-4', { externalId: 'NOBODY' }), new Date()),
    ).rejects.toThrow(DeferredEventError);
  });
});
