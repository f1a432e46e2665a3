/**
 * Suppressed addresses for the operator (`boomerang contact suppressions|unsuppress`): the
 * addresses no marketing email goes to since they bounced or complained, and lifting one by hand
 * with a reason (kept with the suppression).
 */
import type { Db } from '../db/database.js';
import { liftSuppression, listSuppressions } from '../db/feedback.js';
import type { SuppressionRow } from '../db/schema.js';

export interface SuppressionView {
  channel: string;
  address: string;
  /** hard_bounce, complaint or soft_bounces. */
  reason: string;
  /** Who said so: the provider (resend). */
  source: string;
  detail: Record<string, unknown>;
  suppressedAt: Date;
  liftedAt: Date | null;
  liftedReason: string | null;
}

const view = (row: SuppressionRow): SuppressionView => ({
  channel: row.channel,
  address: row.address,
  reason: row.reason,
  source: row.source,
  detail: row.detail,
  suppressedAt: row.created_at,
  liftedAt: row.lifted_at,
  liftedReason: row.lifted_reason,
});

/** The suppressions in force (with the lifted ones when `includeLifted`), newest first. */
export async function suppressions(
  db: Db,
  opts: { includeLifted?: boolean } = {},
): Promise<SuppressionView[]> {
  return (await listSuppressions(db, opts)).map(view);
}

/** Lifts the suppression of an email address; undefined when it is not suppressed. */
export async function unsuppressEmail(
  db: Db,
  email: string,
  reason: string,
): Promise<SuppressionView | undefined> {
  const lifted = await liftSuppression(db, 'email', email.trim(), reason);
  return lifted && view(lifted);
}
