import { describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/db/contacts.js';
import {
  addToStaticSegment,
  countSegment,
  createSegment,
  enteredContactIds,
  ensurePresetSegments,
  getSegment,
  isInSegment,
  listSegments,
  membershipHistory,
  refreshMemberships,
  removeFromStaticSegment,
  requireSegment,
  SegmentExistsError,
  SegmentKindError,
  segmentMembers,
  UnknownSegmentError,
  updateSegment,
} from '../../src/db/segments.js';
import { SegmentDefinitionError } from '../../src/domain/segments/definition.js';
import { PRESET_SEGMENTS } from '../../src/domain/segments/presets.js';
import { useTestDatabase } from '../support/db.js';

const vip = { match: 'all', conditions: [{ field: 'tags', op: 'contains', value: 'vip' }] };

describe('segments repository', () => {
  const database = useTestDatabase();

  describe('definitions by name', () => {
    it('creates, reads, lists and updates a segment; the stored definition is the normalised one', async () => {
      const created = await createSegment(database.db, {
        name: 'French subscribers',
        description: 'newsletter, France',
        definition: {
          conditions: [
            { field: 'country', op: 'eq', value: 'fr' },
            { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
          ],
        },
      });
      expect(created).toMatchObject({
        name: 'French subscribers',
        description: 'newsletter, France',
        kind: 'dynamic',
        preset: false,
      });
      expect(created.definition).toEqual({
        match: 'all',
        conditions: [
          { field: 'country', op: 'eq', value: 'FR' },
          { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
        ],
      });
      expect(await getSegment(database.db, 'French subscribers')).toEqual(created);
      expect(await getSegment(database.db, 'nope')).toBeUndefined();
      expect((await listSegments(database.db)).map((s) => s.name)).toContain('French subscribers');

      const updated = await updateSegment(database.db, 'French subscribers', { definition: vip });
      expect(updated.definition).toEqual(vip);
      expect(updated.description).toBe('newsletter, France');
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      const described = await updateSegment(database.db, 'French subscribers', {
        description: 'VIPs now',
      });
      expect(described.definition).toEqual(vip);
      expect(described.description).toBe('VIPs now');
    });

    it('refuses a duplicate name, a bad definition and an unknown segment with errors that help', async () => {
      await createSegment(database.db, { name: 'dup', definition: vip });
      await expect(
        createSegment(database.db, { name: 'dup', definition: vip }),
      ).rejects.toBeInstanceOf(SegmentExistsError);
      await expect(
        createSegment(database.db, {
          name: 'bad',
          definition: { conditions: [{ field: 'clv', op: 'lt', value: 1 }] },
        }),
      ).rejects.toThrow(/conditions\[0\]\.field: unknown field "clv"/);
      expect(await getSegment(database.db, 'bad')).toBeUndefined();
      await expect(
        updateSegment(database.db, 'dup', {
          definition: { conditions: [{ field: 'tags', op: 'gt', value: 1 }] },
        }),
      ).rejects.toBeInstanceOf(SegmentDefinitionError);
      const error = await requireSegment(database.db, 'Missing one').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnknownSegmentError);
      expect((error as Error).message).toMatch(
        /^unknown segment "Missing one"; known segments: .*"dup"/,
      );
      await expect(countSegment(database.db, 'Missing one')).rejects.toBeInstanceOf(
        UnknownSegmentError,
      );
    });
  });

  describe('presets', () => {
    it('ensurePresetSegments inserts the missing presets and never overwrites an edited one', async () => {
      const inserted = await ensurePresetSegments(database.db);
      expect(inserted.sort()).toEqual(PRESET_SEGMENTS.map((p) => p.name).sort());
      for (const preset of PRESET_SEGMENTS) {
        const s = await requireSegment(database.db, preset.name);
        expect(s).toMatchObject({ preset: true, kind: 'dynamic', description: preset.description });
        expect(s.definition).toEqual(preset.definition);
      }
      const edited = {
        match: 'all',
        conditions: [
          { field: 'newsletter_status', op: 'eq', value: 'subscribed' },
          { field: 'clv_12m', op: 'lt', value: { shopAverage: true } },
          { field: 'forecast_purchases_12m', op: 'lt', value: 1 },
        ],
      };
      await updateSegment(database.db, 'Customers to reengage', {
        definition: edited,
        description: 'ours',
      });
      expect(await ensurePresetSegments(database.db)).toEqual([]);
      const after = await requireSegment(database.db, 'Customers to reengage');
      expect(after.definition).toEqual(edited);
      expect(after.description).toBe('ours');
      expect(after.preset).toBe(true);
    });
  });

  describe('refreshMemberships', () => {
    it('records entries and exits across refreshes; leaving and coming back opens a new row', async () => {
      const db = database.db;
      const a = (await upsertContact(db, { externalId: 'R-A', tags: ['vip'] })).contact;
      const b = (await upsertContact(db, { externalId: 'R-B', tags: ['vip'] })).contact;
      const c = (await upsertContact(db, { externalId: 'R-C', tags: [] })).contact;
      const segment = await createSegment(db, {
        name: 'refresh vip',
        definition: {
          conditions: [
            { field: 'tags', op: 'contains', value: 'vip' },
            { field: 'email', op: 'not_exists' },
          ],
        },
      });
      const t1 = new Date('2025-01-01T01:00:00Z');
      const t2 = new Date('2025-01-02T01:00:00Z');
      const t3 = new Date('2025-01-03T01:00:00Z');
      const t4 = new Date('2025-01-04T01:00:00Z');

      const first = await refreshMemberships(db, segment, t1);
      expect(first).toEqual({ segmentId: segment.id, at: t1, entered: 2, exited: 0 });
      expect((await enteredContactIds(db, segment.id, t1)).contactIds.sort()).toEqual(
        [a.id, b.id].sort(),
      );

      // Refreshing again at the same instant (a retried activity) records nothing new and reports the same.
      expect(await refreshMemberships(db, segment, t1)).toEqual(first);
      // Nothing changed: nothing recorded.
      expect(await refreshMemberships(db, segment, t2)).toMatchObject({ entered: 0, exited: 0 });

      // A leaves, C enters.
      await upsertContact(db, { externalId: 'R-A', tags: [] });
      await upsertContact(db, { externalId: 'R-C', tags: ['vip'] });
      expect(await refreshMemberships(db, segment, t3)).toMatchObject({ entered: 1, exited: 1 });
      expect(await refreshMemberships(db, segment, t3)).toMatchObject({ entered: 1, exited: 1 });
      expect((await enteredContactIds(db, segment.id, t3)).contactIds).toEqual([c.id]);

      // A comes back: a second stay.
      await upsertContact(db, { externalId: 'R-A', tags: ['vip'] });
      expect(await refreshMemberships(db, segment, t4)).toMatchObject({ entered: 1, exited: 0 });

      expect(await membershipHistory(db, segment, a.id)).toEqual([
        { segmentId: segment.id, contactId: a.id, enteredAt: t1, exitedAt: t3 },
        { segmentId: segment.id, contactId: a.id, enteredAt: t4, exitedAt: null },
      ]);
      expect(await membershipHistory(db, segment, b.id)).toEqual([
        { segmentId: segment.id, contactId: b.id, enteredAt: t1, exitedAt: null },
      ]);
      expect(await membershipHistory(db, segment, c.id)).toEqual([
        { segmentId: segment.id, contactId: c.id, enteredAt: t3, exitedAt: null },
      ]);

      // The open rows are exactly the live members.
      const open = await db
        .selectFrom('segment_memberships')
        .select('contact_id')
        .where('segment_id', '=', segment.id)
        .where('exited_at', 'is', null)
        .execute();
      const live = await segmentMembers(db, segment, { now: t4 });
      expect(open.map((r) => r.contact_id).sort()).toEqual(live.map((m) => m.id).sort());
    });

    it('pages the entered contact ids of a large refresh', async () => {
      const db = database.db;
      const ids: number[] = [];
      for (let i = 0; i < 25; i++)
        ids.push((await upsertContact(db, { externalId: `P-${i}`, tags: ['paged'] })).contact.id);
      const segment = await createSegment(db, {
        name: 'paged',
        definition: { conditions: [{ field: 'tags', op: 'contains', value: 'paged' }] },
      });
      const at = new Date('2025-02-01T00:00:00Z');
      expect((await refreshMemberships(db, segment, at)).entered).toBe(25);
      const seen: number[] = [];
      let after: number | undefined;
      let pages = 0;
      do {
        const page = await enteredContactIds(db, segment.id, at, { after, limit: 10 });
        seen.push(...page.contactIds);
        after = page.next ?? undefined;
        pages++;
      } while (after !== undefined);
      expect(pages).toBe(3);
      expect(seen.sort((x, y) => x - y)).toEqual(ids.sort((x, y) => x - y));
    });

    it('two refreshes at once record each entry once', async () => {
      const db = database.db;
      for (let i = 0; i < 5; i++) await upsertContact(db, { externalId: `Q-${i}`, tags: ['race'] });
      const segment = await createSegment(db, {
        name: 'race',
        definition: { conditions: [{ field: 'tags', op: 'contains', value: 'race' }] },
      });
      const results = await Promise.all([
        refreshMemberships(db, segment, new Date('2025-03-01T00:00:00Z')),
        refreshMemberships(db, segment, new Date('2025-03-01T00:00:01Z')),
      ]);
      expect(results.map((r) => r.entered).sort()).toEqual([0, 5]);
      expect(await countSegment(db, segment)).toBe(5);
      const rows = await db
        .selectFrom('segment_memberships')
        .selectAll()
        .where('segment_id', '=', segment.id)
        .execute();
      expect(rows).toHaveLength(5);
    });
  });

  describe('static segments', () => {
    it('addToStaticSegment creates the segment, adds idempotently, and isInSegment / count / members read the open rows', async () => {
      const db = database.db;
      const x = (await upsertContact(db, { externalId: 'S-X' })).contact;
      const y = (await upsertContact(db, { externalId: 'S-Y' })).contact;
      await addToStaticSegment(db, 'Welcome converted', x.id);
      await addToStaticSegment(db, 'Welcome converted', x.id);
      const segment = await requireSegment(db, 'Welcome converted');
      expect(segment).toMatchObject({ kind: 'static', definition: { static: true } });
      expect(await isInSegment(db, x.id, 'Welcome converted')).toBe(true);
      expect(await isInSegment(db, y.id, 'Welcome converted')).toBe(false);
      expect(await countSegment(db, 'Welcome converted')).toBe(1);
      expect((await segmentMembers(db, 'Welcome converted')).map((c) => c.id)).toEqual([x.id]);
      expect(await refreshMemberships(db, segment)).toMatchObject({ entered: 0, exited: 0 });
      expect(await removeFromStaticSegment(db, 'Welcome converted', x.id)).toBe(true);
      expect(await isInSegment(db, x.id, 'Welcome converted')).toBe(false);
      expect(await removeFromStaticSegment(db, 'Welcome converted', x.id)).toBe(false);
    });

    it('refuses to add a contact to a dynamic segment', async () => {
      const db = database.db;
      const x = (await upsertContact(db, { externalId: 'S-Z' })).contact;
      await createSegment(db, { name: 'dynamic one', definition: vip });
      await expect(addToStaticSegment(db, 'dynamic one', x.id)).rejects.toBeInstanceOf(
        SegmentKindError,
      );
    });
  });
});
