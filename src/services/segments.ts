/**
 * Segments as `boomerang segment` works with them. The shipped presets are inserted (when missing)
 * first, so they are there on a fresh database.
 */
import type { Db } from '../db/database.js';
import * as segments from '../db/segments.js';
import type { Contact } from '../domain/contacts.js';

export { type Segment, SegmentExistsError, UnknownSegmentError } from '../db/segments.js';

/** Creates a segment. Throws SegmentDefinitionError or SegmentExistsError. */
export async function createSegment(
  db: Db,
  input: segments.SegmentInput,
): Promise<segments.Segment> {
  await segments.ensurePresetSegments(db);
  return segments.createSegment(db, input);
}

/** Changes a segment's definition and/or description. Throws UnknownSegmentError or SegmentDefinitionError. */
export async function updateSegment(
  db: Db,
  name: string,
  changes: { definition?: unknown; description?: string | null },
): Promise<segments.Segment> {
  await segments.ensurePresetSegments(db);
  return segments.updateSegment(db, name, changes);
}

export async function listSegments(db: Db): Promise<segments.Segment[]> {
  await segments.ensurePresetSegments(db);
  return segments.listSegments(db);
}

/** The segment and how many contacts it has now. Throws UnknownSegmentError. */
export async function segmentWithCount(
  db: Db,
  name: string,
): Promise<{ segment: segments.Segment; count: number }> {
  await segments.ensurePresetSegments(db);
  const segment = await segments.requireSegment(db, name);
  return { segment, count: await segments.countSegment(db, segment) };
}

/** How many contacts the segment has now. Throws UnknownSegmentError. */
export async function countSegment(db: Db, name: string): Promise<number> {
  await segments.ensurePresetSegments(db);
  return segments.countSegment(db, name);
}

/** A page of the segment's contacts now, by id. Throws UnknownSegmentError. */
export async function segmentMembers(
  db: Db,
  name: string,
  page: { limit: number; offset: number },
): Promise<Contact[]> {
  await segments.ensurePresetSegments(db);
  return segments.segmentMembers(db, name, page);
}
