/**
 * The flow-only activities on real Postgres: a rule-language condition for one contact, tags
 * added and removed (idempotently), and removal from a static segment.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createFlowActivities } from '../../src/activities/flows.js';
import { findContact, upsertContact } from '../../src/db/contacts.js';
import { addToStaticSegment, isInSegment } from '../../src/db/segments.js';
import { useTestDatabase } from '../support/db.js';

describe('flow activities', () => {
  const database = useTestDatabase();
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
    new MockActivityEnvironment().run(fn, ...args);

  it('adds a tag once, removes it, and leaves the other tags', async () => {
    const { contact } = await upsertContact(database.db, {
      email: 'ada@example.com',
      tags: ['vip'],
    });
    const flows = createFlowActivities({ db: database.db });
    const tag = (action: 'add' | 'remove') =>
      run(flows.tagContact, { contactId: contact.id, tag: 'lost-checkout', action });
    await tag('add');
    await tag('add');
    expect((await findContact(database.db, contact.id))?.tags).toEqual(['vip', 'lost-checkout']);
    await tag('remove');
    expect((await findContact(database.db, contact.id))?.tags).toEqual(['vip']);
  });

  it('evaluates a rule-language condition for one contact', async () => {
    const { contact } = await upsertContact(database.db, {
      email: 'bob@example.com',
      tags: ['vip'],
    });
    const flows = createFlowActivities({ db: database.db });
    const matches = (value: string) =>
      run(flows.matchesCondition, {
        contactId: contact.id,
        condition: { match: 'all', conditions: [{ field: 'tags', op: 'contains', value }] },
      });
    expect(await matches('vip')).toBe(true);
    expect(await matches('churned')).toBe(false);
  });

  it('takes a contact out of a static segment', async () => {
    const { contact } = await upsertContact(database.db, { email: 'cy@example.com' });
    await addToStaticSegment(database.db, 'Nudged', contact.id);
    const flows = createFlowActivities({ db: database.db });
    await run(flows.removeFromSegment, { contactId: contact.id, segment: 'Nudged' });
    expect(await isInSegment(database.db, contact.id, 'Nudged')).toBe(false);
  });
});
