/** One function per node type: the interpreter looks the node's type up here. */
import type { FlowNodeType } from '../../domain/flows/definition.js';
import { branchNode } from './branch.js';
import { couponNode } from './coupon.js';
import { exitNode } from './exit.js';
import type { NodeFunction } from './run.js';
import { segmentNode } from './segment.js';
import { sendNode } from './send.js';
import { splitNode } from './split.js';
import { tagNode } from './tag.js';
import { waitNode } from './wait.js';

export const NODE_FUNCTIONS: Record<Exclude<FlowNodeType, 'entry'>, NodeFunction> = {
  wait: waitNode,
  branch: branchNode,
  split: splitNode,
  send: sendNode,
  coupon: couponNode,
  segment: segmentNode,
  tag: tagNode,
  exit: exitNode,
};

export { FlowRun, type FlowEvent } from './run.js';
