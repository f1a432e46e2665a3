/** Exit: ends the journey with the node's reason, as a coded journey's `return 'purchased'`. */
import type { EndReason } from '../../campaigns/journey-contract.js';
import type { NodeFunction } from './run.js';

export const exitNode: NodeFunction = async (run, id) => {
  // A flow names its own reasons ("no_second_order"); the seeds' reasons are among them.
  return { end: run.node(id, 'exit').reason as EndReason };
};
