/**
 * Split: weighted random arms. The arm comes from the contact id and the node id alone, so a
 * replay, a retried task and a report all find the same arm; once an experiment is concluded,
 * every journey that meets the node takes its winner.
 */
import { armOf } from '../../domain/flows/experiments.js';
import type { NodeFunction } from './run.js';

export const splitNode: NodeFunction = async (run, id) => {
  await run.journey.enter(run.step(id));
  const node = run.node(id, 'split');
  const arm = armOf(node.arms, node.experiment?.winner, run.journey.contactId, id);
  run.journey.note(`arm ${arm.name}`);
  run.journey.noteArm(arm.name);
  return { next: arm.next };
};
