/**
 * What a campaign kind is: its definition schema, the workflow that runs its journeys, the trigger
 * that starts them, the checks its definition needs beyond the schema, and its report graph. A kind
 * is pure data and functions: the enrolment module (src/campaigns/enrolment.ts) acts on its
 * trigger, src/campaigns/check.ts hands its checks the look-ups they need.
 */
import type { z } from 'zod';
import type { CampaignBase, TemplateRef } from './common.js';
import type { CampaignGraph } from './graph.js';

/** A store event that starts journeys (POST /events). */
export type StoreEvent = 'account_registered';

/** An event a trigger names: a store event, or a custom event's name (POST /events "track"). */
export type TriggerEvent = StoreEvent | (string & {});

/** How a kind's journeys start. */
export type CampaignTrigger<C extends CampaignBase = CampaignBase> =
  /** `boomerang campaign launch`: every contact of the audience, in batches. */
  | { on: 'launch' }
  /** A contact enters the segment (found by the daily recompute's segment refresh). */
  | { on: 'segment_entry'; segment(campaign: C): string }
  /**
   * The store reports an event of the contact's (e.g. a registration), or a custom event of that
   * name, whose properties equal `where`; with `key`, one journey per value of that property.
   */
  | { on: 'event'; event: TriggerEvent; where?: Record<string, unknown>; key?: string };

/** A trigger read from the definition (method syntax: the registry holds kinds of any definition). */
type TriggerOfDefinition<C extends CampaignBase> = {
  of(campaign: C): CampaignTrigger<C>;
}['of'];

/** Who may enter again: "never", "after_end" of the previous journey, or once per a duration. */
export type Reentry = 'never' | 'after_end' | { atMostOncePer: string };

/** What checks may look up; src/campaigns/check.ts answers from the database. */
export interface CheckLookups {
  /** A stored segment's kind, or 'preset' for one the worker creates at start, else undefined. */
  segmentKind(name: string): Promise<'static' | 'dynamic' | 'preset' | undefined>;
  /** Every segment name a campaign may use (stored and preset). */
  segmentNames(): Promise<string[]>;
  couponSetIds(): Promise<string[]>;
  /** The ids of the stored campaigns. */
  campaignIds(): Promise<string[]>;
  /** Problems of one template: missing by name, syntax, file tags, the sample render. */
  templateProblems(path: string, channel: 'email' | 'sms', ref: TemplateRef): Promise<string[]>;
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
  /** How journeys start: the same for every campaign of a coded kind; a flow's entry node says. */
  trigger: CampaignTrigger<C> | TriggerOfDefinition<C>;
  /** Who may enter again, when the definition says it elsewhere than its `reentry` field. */
  reentry?(campaign: C): Reentry;
  /** Problems of a definition the schema cannot see (missing segments, coupon sets), by path. */
  checks(campaign: C, lookups: CheckLookups): Promise<string[]>;
  /** The kind's node graph, labelled with the campaign's own settings. */
  graph(campaign: C): CampaignGraph;
}

/** How the journeys of `campaign` (a definition of `kind`) start. */
export function triggerOf<C extends CampaignBase>(
  kind: CampaignKindModule<C>,
  campaign: C,
): CampaignTrigger<C> {
  return typeof kind.trigger === 'function' ? kind.trigger(campaign) : kind.trigger;
}

/** Who may enter `campaign` again. */
export function reentryOf<C extends CampaignBase>(
  kind: CampaignKindModule<C>,
  campaign: C,
): Reentry {
  return kind.reentry?.(campaign) ?? campaign.reentry ?? 'never';
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

/** The checks of a kind whose definition names a segment and a coupon set. */
export async function segmentAndCouponSetProblems(
  campaign: { segment: string; couponSet: string },
  lookups: CheckLookups,
): Promise<string[]> {
  return [
    ...(await missingSegment('segment', campaign.segment, lookups)),
    ...(await missingCouponSet(campaign.couponSet, lookups)),
  ];
}
