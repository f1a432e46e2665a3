/** Segment: adds the contact to a static segment, or takes it out of one. */
import { flowActivities } from './activities.js';
import type { NodeFunction } from './run.js';

export const segmentNode: NodeFunction = async (run, id) => {
  const { journey } = run;
  const node = run.node(id, 'segment');
  if (node.action === 'add') await journey.addToSegment(run.step(id), node.segment);
  else {
    await journey.enter(run.step(id));
    const { segment } = run.node(id, 'segment');
    await flowActivities.removeFromSegment.executeWithOptions(
      { summary: `remove from segment "${segment}"` },
      [{ contactId: journey.contactId, segment }],
    );
  }
  return { next: run.node(id, 'segment').next };
};
