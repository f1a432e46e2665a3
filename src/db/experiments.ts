/** The reads behind the experiments of a campaign's report: which arm each journey took, and when. */
import { sql } from 'kysely';
import type { Executor } from './database.js';
import { type Scope, scopedJourneys } from './reports.js';

export interface ArmEntryRow {
  workflow_id: string;
  /** The experiment's node id. */
  step: string;
  arm: string;
  entered_at: Date;
}

/**
 * The arm each journey in scope took at each of `steps` (experiment nodes), from the entry event
 * the journey wrote when it took it. A node met again keeps its first arm (the arm is fixed by the
 * contact and the node), so only the first entry counts.
 */
export async function armEntries(
  db: Executor,
  s: Scope,
  steps: readonly string[],
): Promise<ArmEntryRow[]> {
  if (steps.length === 0) return [];
  const result = await sql<ArmEntryRow>`
    WITH j AS (${scopedJourneys(s)})
    SELECT DISTINCT ON (e.workflow_id, e.step)
           e.workflow_id, e.step, e.detail->>'arm' AS arm, e.occurred_at AS entered_at
    FROM journey_events e JOIN j ON j.workflow_id = e.workflow_id
    WHERE e.campaign_id = ${s.campaignId} AND e.type = 'step_entered'
      AND e.step = ANY(${steps}::text[]) AND e.detail ? 'arm'
    ORDER BY e.workflow_id, e.step, e.id`.execute(db);
  return result.rows;
}
