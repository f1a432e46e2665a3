/**
 * What changed between two versions of a flow, node by node, and whether a running journey can
 * take each change at its next node (`campaign update --running adopt`), in the terms of the coded
 * kinds' domain/campaigns/changes.ts. The interpreter reads a node's settings and exits from the
 * adopted version, so most changes are safe; what is not is a change to the node a journey may
 * be sitting at (removed, another type, another kind of wait) or to who enrols.
 */
import {
  type DefinitionChange,
  type RunningJourneysChoice,
  UnsafeDefinitionChangeError,
} from '../campaigns/definition-change.js';
import type { FlowCampaign, FlowNode } from './definition.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const WHY_NOT: Record<string, string> = {
  audience: 'the audience decides who enrols, not what a running journey does',
  holdoutPercent: 'the control group of a running journey was drawn when it started',
  contactWindow: 'a journey waiting for its contact window already computed when it opens',
};

/** What a journey waiting at a wait node waits for. */
function waitsFor(node: FlowNode): string | undefined {
  if (node.type !== 'wait') return undefined;
  if (node.duration !== undefined) return 'a duration';
  return node.until === 'contact_window' ? 'the contact window' : 'an event';
}

function nodeChange(id: string, a: FlowNode | undefined, b: FlowNode | undefined): string | null {
  // No journey sits at an exit node, and one that never met a new node just meets it later.
  if (!a || a.type === 'exit') return null;
  if (a.type === 'entry')
    return 'the entry decides who enrols and how, not what a running journey does';
  if (!b) return `node "${id}" is removed, and a journey at it could not go on`;
  if (a.type !== b.type)
    return `node "${id}" changes from ${a.type} to ${b.type}, and a journey at it could not go on`;
  if (waitsFor(a) !== waitsFor(b))
    return `a journey at wait "${id}" waits for ${waitsFor(a)}, not ${waitsFor(b)}`;
  return null;
}

/** The changed fields: top-level ones by name, nodes as `nodes.<id>`. */
export function flowDefinitionChanges(
  before: FlowCampaign,
  after: FlowCampaign,
): DefinitionChange[] {
  const changes: DefinitionChange[] = [];
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (key === 'nodes' || same(a[key], b[key])) continue;
    changes.push({ field: key, unsafeBecause: WHY_NOT[key] ?? null });
  }
  const ids = [...new Set([...Object.keys(before.nodes), ...Object.keys(after.nodes)])];
  for (const id of ids.sort()) {
    const [x, y] = [before.nodes[id], after.nodes[id]];
    if (!same(x, y)) changes.push({ field: `nodes.${id}`, unsafeBecause: nodeChange(id, x, y) });
  }
  return changes;
}

/** Throws when `choice` is "adopt" and running journeys cannot take a change, naming each node. */
export function checkFlowUpdate(
  before: FlowCampaign,
  after: FlowCampaign,
  choice: RunningJourneysChoice,
  runningVersion?: number,
): DefinitionChange[] {
  const changes = flowDefinitionChanges(before, after);
  const refused = changes.filter((c) => c.unsafeBecause !== null);
  if (choice === 'adopt' && refused.length > 0)
    throw new UnsafeDefinitionChangeError(before.id, refused, runningVersion);
  return changes;
}
