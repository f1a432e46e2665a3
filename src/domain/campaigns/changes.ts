/**
 * What changed between two versions of a campaign's definition, and whether a running journey can
 * take each change at its next node. Pure: the CLI and the update service decide with it.
 */
import type { FlowCampaign } from '../flows/definition.js';
import { flowDefinitionChanges } from '../flows/changes.js';
import type { CampaignDefinition } from './definition.js';
import {
  type DefinitionChange,
  type RunningJourneysChoice,
  UnsafeDefinitionChangeError,
} from './definition-change.js';
import { isJsonObject } from '../json.js';

/**
 * Fields a running journey reads only when it reaches the node that uses them: a new value applies
 * from that node on, and nothing already done depends on it. A wait that has already started keeps
 * its length; coupons already assigned are kept.
 */
const TAKEN_AT_NEXT_NODE = [
  'name',
  'description',
  'emails',
  'sms',
  'waits',
  'couponSet',
  'couponValidity',
  'voucherValidity',
  'utm',
];

const WHY_NOT: Record<string, string> = {
  kind: 'the journey would follow a different graph',
  segment: 'segment membership already decided steps of running journeys',
  audience: 'the audience decides who enrols, not what a running journey does',
  reentry: 'the re-entry policy decides who enrols, not what a running journey does',
  holdoutPercent: 'the control group of a running journey was drawn when it started',
  contactWindow: 'a journey waiting for its contact window already computed when it opens',
  purchaseLookback: 'a look-back changes what counts as "purchased" mid-journey',
  convertedSegment: 'converted contacts of running journeys already went to the old segment',
};

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const isRecord = isJsonObject;

/** The changed fields, one level into the grouped fields (emails, sms, waits) so a message names them. */
export function definitionChanges(
  before: CampaignDefinition,
  after: CampaignDefinition,
): DefinitionChange[] {
  // A flow's changes are node by node: most a running journey takes at its next node.
  if ((before.kind as string) === 'flow' && (after.kind as string) === 'flow')
    return flowDefinitionChanges(
      before as unknown as FlowCampaign,
      after as unknown as FlowCampaign,
    );
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  const changes: DefinitionChange[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (same(a[key], b[key])) continue;
    const unsafeBecause = TAKEN_AT_NEXT_NODE.includes(key)
      ? null
      : (WHY_NOT[key] ?? 'running journeys cannot take this change safely');
    const inner = [a[key], b[key]];
    if (['emails', 'sms', 'waits'].includes(key) && inner.every(isRecord)) {
      const [x, y] = inner as Record<string, unknown>[];
      for (const sub of [...new Set([...Object.keys(x!), ...Object.keys(y!)])].sort())
        if (!same(x![sub], y![sub])) changes.push({ field: `${key}.${sub}`, unsafeBecause });
    } else {
      changes.push({ field: key, unsafeBecause });
    }
  }
  return changes;
}

/** Throws when `choice` is "adopt" and a change cannot be taken by running journeys; kind never changes. */
export function checkDefinitionUpdate(
  before: CampaignDefinition,
  after: CampaignDefinition,
  choice: RunningJourneysChoice,
  /** The version running journeys are on, when it is older than `before`'s. */
  runningVersion?: number,
): DefinitionChange[] {
  const changes = definitionChanges(before, after);
  if (before.kind !== after.kind)
    throw new UnsafeDefinitionChangeError(
      before.id,
      [
        {
          field: 'kind',
          unsafeBecause: `${before.kind} → ${after.kind}: a campaign's kind never changes`,
        },
      ],
      undefined,
      'Create a new campaign (another id) for the other kind, and stop this one.',
    );
  const refused = changes.filter((c) => c.unsafeBecause !== null);
  if (choice === 'adopt' && refused.length > 0)
    throw new UnsafeDefinitionChangeError(before.id, refused, runningVersion);
  return changes;
}
