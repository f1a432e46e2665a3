/**
 * Segments repository: definitions by name, live evaluation (count, members, one contact), and the
 * recorded membership history that campaigns react to ("entry into a segment").
 *
 * A dynamic segment is evaluated live from its definition, compiled to one SQL query over
 * `contacts AS c LEFT JOIN contact_indicators AS ci`. `refreshMemberships` records its entries
 * and exits in `segment_memberships` (one row per stay: entered_at … exited_at). A static segment
 * (`{"static": true}`) has no definition to evaluate: its members are the open rows that
 * `addToStaticSegment` writes.
 */
import { sql } from 'kysely';
import type { Contact } from '../domain/contacts.js';
import { compileSegmentCondition } from './segment-sql.js';
import {
  parseSegmentDefinition,
  type SegmentDefinition,
  SegmentDefinitionError,
  type SegmentGroup,
  isStaticDefinition,
} from '../domain/segments/definition.js';
import { PRESET_SEGMENTS } from '../domain/segments/presets.js';
import { toContact } from './contacts.js';
import { type Executor, inTransaction } from './database.js';
import type { SegmentRow } from './schema.js';

export interface Segment {
  id: number;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  /** Shipped with Boomerang (see src/domain/segments/presets.ts); editable like any other. */
  preset: boolean;
  /** As stored; checked again (`parseSegmentDefinition`) whenever the segment is evaluated. */
  definition: SegmentDefinition;
  createdAt: Date;
  updatedAt: Date;
}

export class UnknownSegmentError extends Error {
  constructor(
    readonly segmentName: string,
    readonly knownNames: string[],
  ) {
    super(
      `unknown segment "${segmentName}"; known segments: ${knownNames.length ? knownNames.map((n) => `"${n}"`).join(', ') : '(none)'}`,
    );
    this.name = 'UnknownSegmentError';
  }
}

export class SegmentExistsError extends Error {
  constructor(readonly segmentName: string) {
    super(`a segment named "${segmentName}" already exists`);
    this.name = 'SegmentExistsError';
  }
}

/** The segment is static where a definition is needed, or the other way round. */
export class SegmentKindError extends Error {
  override name = 'SegmentKindError';
}

function toSegment(row: SegmentRow): Segment {
  // Parsing puts keys in their documented order (jsonb stores them by length); a definition the
  // catalogue no longer accepts is kept as stored and reported when the segment is evaluated.
  let definition = row.definition as SegmentDefinition;
  try {
    definition = parseSegmentDefinition(row.definition);
  } catch {
    // keep as stored
  }
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    kind:
      typeof definition === 'object' && definition !== null && isStaticDefinition(definition)
        ? 'static'
        : 'dynamic',
    preset: row.preset,
    definition,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function getSegment(db: Executor, name: string): Promise<Segment | undefined> {
  const row = await db
    .selectFrom('segments')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toSegment(row);
}

export async function listSegments(db: Executor): Promise<Segment[]> {
  const rows = await db.selectFrom('segments').selectAll().orderBy('name').execute();
  return rows.map(toSegment);
}

/** The segment of that name, or UnknownSegmentError listing the known names. */
export async function requireSegment(db: Executor, name: string): Promise<Segment> {
  const segment = await getSegment(db, name);
  if (segment) return segment;
  const names = await db.selectFrom('segments').select('name').orderBy('name').execute();
  throw new UnknownSegmentError(
    name,
    names.map((r) => r.name),
  );
}

async function resolve(db: Executor, segment: string | Segment): Promise<Segment> {
  return typeof segment === 'string' ? requireSegment(db, segment) : segment;
}

export interface SegmentInput {
  name: string;
  description?: string | null;
  /** Parsed JSON; checked with parseSegmentDefinition (SegmentDefinitionError naming the paths). */
  definition: unknown;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new SegmentDefinitionError([{ path: 'name', message: 'must not be empty' }]);
  return trimmed;
}

/** Create a segment. Throws SegmentDefinitionError or SegmentExistsError. */
export async function createSegment(
  db: Executor,
  input: SegmentInput & { preset?: boolean },
): Promise<Segment> {
  const name = checkName(input.name);
  const definition = parseSegmentDefinition(input.definition);
  const row = await db
    .insertInto('segments')
    .values({
      name,
      description: input.description ?? null,
      definition: JSON.stringify(definition),
      preset: input.preset ?? false,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new SegmentExistsError(name);
  return toSegment(row);
}

/** Change a segment's definition and/or description. Throws UnknownSegmentError or SegmentDefinitionError. */
export async function updateSegment(
  db: Executor,
  name: string,
  changes: { definition?: unknown; description?: string | null },
): Promise<Segment> {
  const current = await requireSegment(db, name);
  const definition =
    changes.definition === undefined ? undefined : parseSegmentDefinition(changes.definition);
  const row = await db
    .updateTable('segments')
    .set({
      ...(definition ? { definition: JSON.stringify(definition) } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSegment(row);
}

/** Insert the shipped presets that are missing; never touches existing ones. Returns the names inserted. */
export async function ensurePresetSegments(db: Executor): Promise<string[]> {
  const rows = await db
    .insertInto('segments')
    .values(
      PRESET_SEGMENTS.map((p) => ({
        name: p.name,
        description: p.description,
        definition: JSON.stringify(parseSegmentDefinition(p.definition)),
        preset: true,
      })),
    )
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('name')
    .execute();
  return rows.map((r) => r.name);
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** The checked definition of a dynamic segment; SegmentKindError for a static one. */
function dynamicDefinition(segment: Segment): SegmentGroup {
  let definition: SegmentDefinition;
  try {
    definition = parseSegmentDefinition(segment.definition);
  } catch (error) {
    if (!(error instanceof SegmentDefinitionError)) throw error;
    throw new SegmentDefinitionError(
      error.issues.map((i) => ({
        path: i.path,
        message: `${i.message} (stored definition of segment "${segment.name}"; fix it with \`boomerang segment update\`)`,
      })),
    );
  }
  if (isStaticDefinition(definition))
    throw new SegmentKindError(
      `segment "${segment.name}" is static: it has no definition to evaluate`,
    );
  return definition;
}

/** `contacts AS c LEFT JOIN contact_indicators AS ci WHERE <definition>`, nothing selected yet. */
export function dynamicSegmentQuery(db: Executor, definition: SegmentGroup, now: Date) {
  return db
    .selectFrom('contacts as c')
    .leftJoin('contact_indicators as ci', 'ci.contact_id', 'c.id')
    .where(compileSegmentCondition(definition, { now }));
}

/** The contacts with an open membership of a (static) segment. */
function openMembersQuery(db: Executor, segment: Segment) {
  return db
    .selectFrom('contacts as c')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('segment_memberships as m')
          .select('m.id')
          .whereRef('m.contact_id', '=', 'c.id')
          .where('m.segment_id', '=', segment.id)
          .where('m.exited_at', 'is', null),
      ),
    );
}

export interface EvaluateOptions {
  /** The instant relative dates and activity windows are measured from. Default: now. */
  now?: Date;
}

/** How many contacts the segment has now. */
export async function countSegment(
  db: Executor,
  segment: string | Segment,
  opts: EvaluateOptions = {},
): Promise<number> {
  const s = await resolve(db, segment);
  const now = opts.now ?? new Date();
  const row =
    s.kind === 'static'
      ? await db
          .selectFrom('segment_memberships')
          .where('segment_id', '=', s.id)
          .where('exited_at', 'is', null)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      : await dynamicSegmentQuery(db, dynamicDefinition(s), now)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface MembersPage extends EvaluateOptions {
  /** Default 100. */
  limit?: number;
  offset?: number;
  /** Keyset paging: contacts with an id above this one (faster than a large offset). */
  afterId?: number;
}

/** The segment's contacts now, by id. */
export async function segmentMembers(
  db: Executor,
  segment: string | Segment,
  page: MembersPage = {},
): Promise<Contact[]> {
  const s = await resolve(db, segment);
  const now = page.now ?? new Date();
  let query =
    s.kind === 'static'
      ? openMembersQuery(db, s).selectAll('c')
      : dynamicSegmentQuery(db, dynamicDefinition(s), now).selectAll('c');
  if (page.afterId !== undefined) query = query.where('c.id', '>', page.afterId);
  const rows = await query
    .orderBy('c.id')
    .limit(page.limit ?? 100)
    .offset(page.offset ?? 0)
    .execute();
  return rows.map(toContact);
}

/** Whether the contact is in the segment now: the segment's own query, restricted to that contact. */
export async function isInSegment(
  db: Executor,
  contactId: number,
  segment: string | Segment,
  opts: EvaluateOptions = {},
): Promise<boolean> {
  const s = await resolve(db, segment);
  if (s.kind === 'static') {
    const row = await db
      .selectFrom('segment_memberships')
      .select('id')
      .where('segment_id', '=', s.id)
      .where('contact_id', '=', contactId)
      .where('exited_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }
  const row = await dynamicSegmentQuery(db, dynamicDefinition(s), opts.now ?? new Date())
    .where('c.id', '=', contactId)
    .select('c.id')
    .executeTakeFirst();
  return row !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Recorded memberships

export interface RefreshResult {
  segmentId: number;
  /** The instant of the refresh: entered_at of the new rows, exited_at of the closed ones. */
  at: Date;
  /** Contacts that entered (a new open row each); page them with `enteredContactIds(db, segmentId, at)`. */
  entered: number;
  /** Contacts that left (their open row closed). */
  exited: number;
}

/**
 * Record who entered and who left a dynamic segment since the last refresh, as of `now`: one
 * transaction, one set-based statement (the definition is evaluated once, in a CTE), serialised
 * per segment by an advisory lock. A contact who leaves and comes back gets a new row.
 * `entered` / `exited` count the rows stamped with `now`, so refreshing again at the same instant
 * (a retried activity) changes nothing and reports the same numbers.
 * For a static segment there is nothing to compute: { entered: 0, exited: 0 }.
 */
export async function refreshMemberships(
  db: Executor,
  segment: string | Segment,
  now: Date = new Date(),
): Promise<RefreshResult> {
  const s = await resolve(db, segment);
  if (s.kind === 'static') return { segmentId: s.id, at: now, entered: 0, exited: 0 };
  const definition = dynamicDefinition(s);
  return inTransaction(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_CLASS}::int, ${s.id}::int)`.execute(trx);
    const members = dynamicSegmentQuery(trx, definition, now).select('c.id');
    await sql`
      WITH members AS MATERIALIZED (${members}),
      closed AS (
        UPDATE segment_memberships AS m SET exited_at = ${now}
        WHERE m.segment_id = ${s.id} AND m.exited_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM members WHERE members.id = m.contact_id)
      )
      INSERT INTO segment_memberships (segment_id, contact_id, entered_at)
      SELECT ${s.id}, members.id, ${now} FROM members
      -- Members already in (an open row) are skipped by the unique index of open rows: one index
      -- probe each, whatever the planner believes about the table's size.
      ON CONFLICT (segment_id, contact_id) WHERE exited_at IS NULL DO NOTHING`.execute(trx);
    // Counted from the rows stamped with this instant rather than from what this call wrote, so
    // that a retried refresh (same `now`, e.g. a retried activity) reports the same entries.
    const counts = await trx
      .selectFrom('segment_memberships')
      .where('segment_id', '=', s.id)
      .where((eb) => eb.or([eb('entered_at', '=', now), eb('exited_at', '=', now)]))
      .select((eb) => [
        eb.fn.countAll<number>().filterWhere('entered_at', '=', now).as('entered'),
        eb.fn.countAll<number>().filterWhere('exited_at', '=', now).as('exited'),
      ])
      .executeTakeFirstOrThrow();
    return {
      segmentId: s.id,
      at: now,
      entered: Number(counts.entered),
      exited: Number(counts.exited),
    };
  });
}

/** Key class of the advisory locks that serialise refreshes of one segment. */
const ADVISORY_LOCK_CLASS = 0x5e6;

/**
 * Contact ids that entered the segment at `at` (a refresh's instant), a page at a time:
 * pass the returned `next` as `after` until it is null.
 */
export async function enteredContactIds(
  db: Executor,
  segmentId: number,
  at: Date,
  page: { after?: number; limit?: number } = {},
): Promise<{ contactIds: number[]; next: number | null }> {
  const limit = page.limit ?? 1000;
  const rows = await db
    .selectFrom('segment_memberships')
    .select(['id', 'contact_id'])
    .where('segment_id', '=', segmentId)
    .where('entered_at', '=', at)
    .where('id', '>', page.after ?? 0)
    .orderBy('id')
    .limit(limit)
    .execute();
  return {
    contactIds: rows.map((r) => Number(r.contact_id)),
    next: rows.length === limit ? Number(rows[rows.length - 1]!.id) : null,
  };
}

export interface Membership {
  segmentId: number;
  contactId: number;
  enteredAt: Date;
  exitedAt: Date | null;
}

/** The recorded stays of a contact in a segment, oldest first. */
export async function membershipHistory(
  db: Executor,
  segment: string | Segment,
  contactId: number,
): Promise<Membership[]> {
  const s = await resolve(db, segment);
  const rows = await db
    .selectFrom('segment_memberships')
    .selectAll()
    .where('segment_id', '=', s.id)
    .where('contact_id', '=', contactId)
    .orderBy('entered_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    segmentId: Number(r.segment_id),
    contactId: Number(r.contact_id),
    enteredAt: r.entered_at,
    exitedAt: r.exited_at,
  }));
}

/**
 * Add a contact to a static segment (a campaign's "add to segment" step), creating the segment
 * if it does not exist. Idempotent: a contact already in it stays with its first entry.
 * SegmentKindError if the segment is dynamic (its members come from its definition).
 */
export async function addToStaticSegment(
  db: Executor,
  segmentName: string,
  contactId: number,
  opts: { now?: Date } = {},
): Promise<void> {
  await inTransaction(db, async (trx) => {
    await trx
      .insertInto('segments')
      .values({
        name: segmentName,
        description: 'Static segment: contacts added by campaigns',
        definition: JSON.stringify({ static: true }),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const segment = await requireSegment(trx, segmentName);
    if (segment.kind !== 'static') {
      throw new SegmentKindError(
        `segment "${segmentName}" is dynamic: its members come from its definition and cannot be added one by one`,
      );
    }
    await trx
      .insertInto('segment_memberships')
      .values({ segment_id: segment.id, contact_id: contactId, entered_at: opts.now ?? new Date() })
      .onConflict((oc) =>
        oc.columns(['segment_id', 'contact_id']).where('exited_at', 'is', null).doNothing(),
      )
      .execute();
  });
}

/** Take a contact out of a static segment (closes its open row). Returns whether it was in. */
export async function removeFromStaticSegment(
  db: Executor,
  segmentName: string,
  contactId: number,
  opts: { now?: Date } = {},
): Promise<boolean> {
  const segment = await requireSegment(db, segmentName);
  if (segment.kind !== 'static') throw new SegmentKindError(`segment "${segmentName}" is dynamic`);
  const result = await db
    .updateTable('segment_memberships')
    .set({ exited_at: opts.now ?? new Date() })
    .where('segment_id', '=', segment.id)
    .where('contact_id', '=', contactId)
    .where('exited_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The segments a contact is in now, by name, with when it entered each. */
export async function segmentsOfContact(
  db: Executor,
  contactId: number,
): Promise<{ name: string; enteredAt: Date }[]> {
  const rows = await db
    .selectFrom('segment_memberships as m')
    .innerJoin('segments as s', 's.id', 'm.segment_id')
    .select(['s.name', 'm.entered_at'])
    .where('m.contact_id', '=', contactId)
    .where('m.exited_at', 'is', null)
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ name: r.name, enteredAt: r.entered_at }));
}

/** Whether the contact matches a condition group now (a flow's branch in the segment rule language). */
export async function contactMatches(
  db: Executor,
  contactId: number,
  definition: SegmentGroup,
  now: Date = new Date(),
): Promise<boolean> {
  const row = await dynamicSegmentQuery(db, definition, now)
    .where('c.id', '=', contactId)
    .select('c.id')
    .executeTakeFirst();
  return row !== undefined;
}
