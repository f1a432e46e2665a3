/**
 * Split: weighted random arms. The arm comes from the contact id and the node id alone, so a
 * replay, a retried task and a report all find the same arm.
 */
import { chooseArm } from '../../domain/flows/split.js';
import type { NodeFunction } from './run.js';

export const splitNode: NodeFunction = async (run, id) => {
  await run.journey.enter(run.step(id));
  const arm = chooseArm(run.node(id, 'split').arms, run.journey.contactId, id);
  run.journey.note(`arm ${arm.name}`);
  return { next: arm.next };
};
