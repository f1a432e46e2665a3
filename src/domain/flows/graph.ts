/**
 * The graph of a flow: each node's exits, the checks that make a flow safe to run (every node
 * reachable, every path ends, no cycle without a wait, coupons assigned before they are sent), and
 * the names a flow refers to outside itself. Pure and free of zod: workflow code may import it.
 */
import { type Duration, msToNumber } from '../duration.js';
import { closestName } from '../edit-distance.js';
import type { FlowCampaign, FlowNode } from './structure.js';

type Nodes = FlowCampaign['nodes'];

/** One exit of a node: where it leads, and the field (path within the node) that says so. */
export interface FlowEdge {
  /** What the drawings write on the edge: "next", "yes", "no", "purchase", "a (50)". */
  label: string;
  path: (string | number)[];
  to: string;
}

export function nodeExits(node: FlowNode): FlowEdge[] {
  const edge = (field: string, to: string | undefined, label = field): FlowEdge[] =>
    to === undefined ? [] : [{ label, path: [field], to }];
  switch (node.type) {
    case 'wait': {
      const event = typeof node.until === 'object' ? node.until.event : 'event';
      return [
        ...edge('next', node.next),
        ...edge('onEvent', node.onEvent, event),
        ...edge('onTimeout', node.onTimeout, `no ${event} in ${node.timeout}`),
      ];
    }
    case 'branch':
      return [...edge('then', node.then, 'yes'), ...edge('else', node.else, 'no')];
    case 'split':
      return node.arms.map((arm, i) => ({
        label: `${arm.name} (${arm.weight})`,
        path: ['arms', i, 'next'],
        to: arm.next,
      }));
    case 'exit':
      return [];
    default:
      return edge('next', node.next);
  }
}

/** The id of the flow's entry node (the first, if a broken flow has several). */
export function entryNodeId(nodes: Nodes): string | undefined {
  return Object.keys(nodes).find((id) => nodes[id]!.type === 'entry');
}

/**
 * Each node's distance from the entry node by the shortest way (the entry 0), in breadth-first
 * order: the order a journey meets them. Nodes the entry does not reach are absent.
 */
export function nodeDepths(nodes: Nodes): Map<string, number> {
  const depth = new Map<string, number>();
  const entry = entryNodeId(nodes);
  if (!entry) return depth;
  depth.set(entry, 0);
  const queue = [entry];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const { to } of nodeExits(nodes[id]!))
      if (nodes[to] && !depth.has(to)) {
        depth.set(to, depth.get(id)! + 1);
        queue.push(to);
      }
  }
  return depth;
}

/**
 * Node ids breadth-first from the entry node (the drawings', the report's and the experiments'
 * order), then any the entry does not reach. Not the keys' order: a stored definition's keys come
 * back in Postgres' jsonb order, not as written.
 */
export function nodeOrder(nodes: Nodes): string[] {
  const reached = nodeDepths(nodes);
  return [...reached.keys(), ...Object.keys(nodes).filter((id) => !reached.has(id))];
}

function reachableFrom(nodes: Nodes, start: string, skip?: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    const id = todo.pop()!;
    if (seen.has(id) || id === skip || !nodes[id]) continue;
    seen.add(id);
    for (const e of nodeExits(nodes[id]!)) todo.push(e.to);
  }
  return seen;
}

/** Nodes from which an exit node can be reached. */
function nodesThatEnd(nodes: Nodes): Set<string> {
  const ends = new Set(Object.keys(nodes).filter((id) => nodes[id]!.type === 'exit'));
  for (let grew = true; grew;) {
    grew = false;
    for (const [id, node] of Object.entries(nodes)) {
      if (!ends.has(id) && nodeExits(node).some((e) => ends.has(e.to))) {
        ends.add(id);
        grew = true;
      }
    }
  }
  return ends;
}

/**
 * Whether a node surely takes time: a wait of a duration, or for an event with a timeout, that is
 * not zero. A wait until the contact window passes at once while the window is open, and a zero
 * wait at once: a cycle through them alone would loop without pause.
 */
function takesTime(node: FlowNode): boolean {
  if (node.type !== 'wait') return false;
  const time = node.duration ?? (typeof node.until === 'object' ? node.timeout : undefined);
  if (time === undefined) return false;
  try {
    return msToNumber(time as Duration) > 0;
  } catch {
    return true; // an unreadable duration is reported at its field
  }
}

/** A cycle through nodes that take no time, as the node ids along it; undefined if none. */
function cycleWithoutWait(nodes: Nodes): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const node = nodes[id];
    if (!node || takesTime(node) || state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const e of nodeExits(node)) {
      const cycle = visit(e.to);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(nodes)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

export interface FlowGraphProblem {
  path: (string | number)[];
  message: string;
}

/** What makes a flow unsafe to run, each problem at the node and field it concerns. */
export function flowGraphProblems(flow: Pick<FlowCampaign, 'nodes'>): FlowGraphProblem[] {
  const { nodes } = flow;
  const problems: FlowGraphProblem[] = [];
  const at = (id: string, path: (string | number)[], message: string) =>
    problems.push({ path: ['nodes', id, ...path], message });

  const entries = Object.keys(nodes).filter((id) => nodes[id]!.type === 'entry');
  if (entries.length !== 1) {
    problems.push({
      path: ['nodes'],
      message:
        entries.length === 0
          ? 'needs an entry node (type: entry)'
          : `has ${entries.length} entry nodes (${entries.join(', ')}); a flow has one`,
    });
  }
  for (const [id, node] of Object.entries(nodes)) {
    for (const e of nodeExits(node)) {
      if (!nodes[e.to]) {
        const meant = closestName(e.to, Object.keys(nodes));
        at(
          id,
          e.path,
          `unknown node "${e.to}"; ${meant ? `did you mean "${meant}"?` : `the nodes are ${Object.keys(nodes).join(', ')}`}`,
        );
      } else if (nodes[e.to]!.type === 'entry')
        at(id, e.path, `leads back to the entry node "${e.to}"; loop through a wait instead`);
    }
  }
  if (problems.length > 0) return problems;

  const entry = entries[0]!;
  const reachable = reachableFrom(nodes, entry);
  for (const id of Object.keys(nodes))
    if (!reachable.has(id)) at(id, [], `is not reachable from the entry node "${entry}"`);
  const ending = nodesThatEnd(nodes);
  for (const id of Object.keys(nodes))
    if (reachable.has(id) && !ending.has(id))
      at(id, [], 'never reaches an exit node: every path must end');
  const cycle = cycleWithoutWait(nodes);
  if (cycle)
    at(
      cycle[0]!,
      [],
      `is on a cycle without a wait (${cycle.join(' → ')}); add a wait node to it (a wait of a duration that is not zero: a contact window passes at once while open)`,
    );

  const entryNode = nodes[entry]!;
  for (const [id, node] of Object.entries(nodes)) {
    if (node.type === 'send' && node.coupon !== undefined) {
      const source = nodes[node.coupon];
      if (source?.type !== 'coupon') at(id, ['coupon'], `"${node.coupon}" is not a coupon node`);
      // Assigned on every way here: without the coupon node, the send is out of reach.
      else if (reachableFrom(nodes, entry, node.coupon).has(id))
        at(id, ['coupon'], `a path reaches this send without passing coupon node "${node.coupon}"`);
    }
    if (node.type === 'branch' && node.if.entryEvent && entryNode.type === 'entry') {
      if (entryNode.trigger !== 'event')
        at(
          id,
          ['if', 'entryEvent'],
          `needs an entry on an event (entry "${entry}" is ${entryNode.trigger})`,
        );
    }
  }
  return problems;
}

/** The names a flow refers to outside itself, for a check that they exist. */
export interface FlowReferences {
  segments: string[];
  /** Templates named (not inline), with the channel that sends them. */
  templates: { channel: string; name: string; node: string }[];
  couponSets: string[];
  channels: string[];
  /** Event names the flow starts on or waits for. */
  events: string[];
}

export function flowReferences(flow: FlowCampaign): FlowReferences {
  const segments = new Set<string>();
  const couponSets = new Set<string>();
  const channels = new Set<string>();
  const events = new Set<string>();
  const templates: FlowReferences['templates'] = [];
  if (flow.exitWhen?.leftSegment) segments.add(flow.exitWhen.leftSegment);
  for (const [id, node] of Object.entries(flow.nodes)) {
    switch (node.type) {
      case 'entry':
        if (node.segment) segments.add(node.segment);
        if (node.event) events.add(node.event);
        break;
      case 'wait':
        if (typeof node.until === 'object') events.add(node.until.event);
        break;
      case 'branch':
        if (node.if.inSegment) segments.add(node.if.inSegment);
        break;
      case 'segment':
        segments.add(node.segment);
        break;
      case 'coupon':
        couponSets.add(node.couponSet);
        break;
      case 'send':
        channels.add(node.channel);
        if (typeof node.template === 'string')
          templates.push({ channel: node.channel, name: node.template, node: id });
        break;
    }
  }
  return {
    segments: [...segments],
    templates,
    couponSets: [...couponSets],
    channels: [...channels],
    events: [...events],
  };
}
