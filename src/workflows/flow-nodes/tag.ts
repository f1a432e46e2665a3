/** Tag: adds a tag to the contact or removes one (tags are a segment field). */
import { flowActivities } from './activities.js';
import type { NodeFunction } from './run.js';

export const tagNode: NodeFunction = async (run, id) => {
  const { journey } = run;
  await journey.enter(run.step(id));
  const { action, tag, next } = run.node(id, 'tag');
  await flowActivities.tagContact.executeWithOptions(
    { summary: `${action === 'add' ? 'add' : 'remove'} tag "${tag}"` },
    [{ contactId: journey.contactId, tag, action }],
  );
  return { next };
};
