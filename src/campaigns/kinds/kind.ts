/**
 * What a campaign kind is: its definition schema, the workflow that runs its journeys, the trigger
 * that starts them, the checks its definition needs beyond the schema, and its report graph. A kind
 * is pure data and functions: the enrolment module (src/campaigns/enrolment.ts) acts on its
 * trigger, src/campaigns/check.ts hands its checks the look-ups they need.
 */
import type { z } from 'zod';
import type { CampaignBase } from './common.js';
import type { CampaignGraph } from './graph.js';

/** A store event that starts journeys (POST /events). */
export type StoreEvent = 'account_registered';

/** How a kind's journeys start. */
export type CampaignTrigger<C extends CampaignBase = CampaignBase> =
  /** `boomerang campaign launch`: every contact of the audience, in batches. */
  | { on: 'launch' }
  /** A contact enters the segment (found by the daily recompute's segment refresh). */
  | { on: 'segment_entry'; segment(campaign: C): string }
  /** The store reports an event of the contact's (e.g. a registration). */
  | { on: 'event'; event: StoreEvent };

/** What checks may look up; src/campaigns/check.ts answers from the database. */
export interface CheckLookups {
  /** A stored segment's kind, or 'preset' for one the worker creates at start, else undefined. */
  segmentKind(name: string): Promise<'static' | 'dynamic' | 'preset' | undefined>;
  /** Every segment name a campaign may use (stored and preset). */
  segmentNames(): Promise<string[]>;
  couponSetIds(): Promise<string[]>;
}

export interface CampaignKindModule<C extends CampaignBase = CampaignBase> {
  kind: C['kind'];
  /** The definition: the common settings (`campaignSchema` in ./common.ts) and the kind's own. */
  schema: z.ZodType<C>;
  /**
   * The registered workflow type its journeys run (an exported function of the worker's workflow
   * bundle). Recorded histories name it: it never changes.
   */
  workflowType: string;
  trigger: CampaignTrigger<C>;
  /** Problems of a definition the schema cannot see (missing segments, coupon sets), by path. */
  checks(campaign: C, lookups: CheckLookups): Promise<string[]>;
  /** The kind's node graph, labelled with the campaign's own settings. */
  graph(campaign: C): CampaignGraph;
}

/** A kind, typed by its own definition (the registry holds every kind as `CampaignKindModule`). */
export function defineCampaignKind<C extends CampaignBase>(
  module: CampaignKindModule<C>,
): CampaignKindModule<C> {
  return module;
}

/** "segment: no segment named …" when `name` is neither stored nor preset. */
export async function missingSegment(
  path: string,
  name: string,
  lookups: CheckLookups,
): Promise<string[]> {
  if (await lookups.segmentKind(name)) return [];
  const names = (await lookups.segmentNames()).map((n) => JSON.stringify(n)).join(', ');
  return [
    `${path}: no segment named ${JSON.stringify(name)}; known: ${names} (create one with \`boomerang segment create\`)`,
  ];
}

/** "couponSet: no coupon set …" when the set was never generated. */
export async function missingCouponSet(
  couponSet: string,
  lookups: CheckLookups,
): Promise<string[]> {
  const sets = await lookups.couponSetIds();
  if (sets.includes(couponSet)) return [];
  return [
    `couponSet: no coupon set ${JSON.stringify(couponSet)}; create it with \`boomerang coupons generate ${couponSet} --count N\`${sets.length ? ` (known: ${sets.join(', ')})` : ''}`,
  ];
}
