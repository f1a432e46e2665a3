/**
 * Branch: "is in segment", "purchased N times within a lookback", a condition in the segment
 * rule language, "has a running journey in a campaign", or a property of the event the journey
 * started on. The first two are the coded
 * journeys' decision nodes, through the same Journey helpers.
 */
import type { SegmentGroup } from '../../domain/segments/definition.js';
import { flowActivities } from './activities.js';
import type { FlowRun, NodeFunction } from './run.js';

function entryEventMatches(
  run: FlowRun,
  test: { property: string; op: 'eq' | 'neq' | 'exists' | 'not_exists'; value?: unknown },
): boolean {
  const value = run.entryEvent?.properties?.[test.property];
  switch (test.op) {
    case 'exists':
      return value !== undefined && value !== null;
    case 'not_exists':
      return value === undefined || value === null;
    case 'eq':
      return value === test.value;
    case 'neq':
      return value !== test.value;
  }
}

/** A rule-language condition, evaluated live against the contact's data. */
async function matchesCondition(run: FlowRun, condition: SegmentGroup): Promise<boolean> {
  const matched = await flowActivities.matchesCondition.executeWithOptions(
    { summary: 'matches condition?' },
    [{ contactId: run.journey.contactId, condition }],
  );
  run.journey.note(matched ? 'yes' : 'no');
  return matched;
}

async function decide(run: FlowRun, id: string): Promise<boolean> {
  const { journey } = run;
  const step = run.step(id);
  const first = run.node(id, 'branch').if;
  if (first.purchased?.times === 1)
    return journey.hasPurchased(step, () => run.node(id, 'branch').if.purchased!.within);
  await journey.enter(step);
  const test = run.node(id, 'branch').if;
  if (test.inSegment !== undefined) return journey.isInSegment(test.inSegment);
  if (test.inJourney !== undefined) {
    const running = await flowActivities.hasRunningJourney.executeWithOptions(
      { summary: `running journey in "${test.inJourney}"?` },
      [{ contactId: journey.contactId, campaignId: test.inJourney }],
    );
    journey.note(running ? 'yes' : 'no');
    return running;
  }
  if (test.entryEvent) {
    const yes = entryEventMatches(run, test.entryEvent);
    journey.note(yes ? 'yes' : 'no');
    return yes;
  }
  if (test.purchased) {
    const { times, within } = test.purchased;
    return matchesCondition(run, {
      match: 'all',
      conditions: [{ field: 'purchases_count', op: 'gte', value: times, within }],
    });
  }
  return matchesCondition(run, test.rule!);
}

export const branchNode: NodeFunction = async (run, id) => {
  const yes = await decide(run, id);
  const node = run.node(id, 'branch');
  return { next: yes ? node.then : node.else };
};
