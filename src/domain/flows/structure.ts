/**
 * A flow is a campaign whose journey is data: a graph of typed nodes with stable ids, run by one
 * interpreter workflow (workflows/flow.ts). The settings every campaign has (audience, UTM tags,
 * holdout, contact window) and their value types (durations, templates, windows) are the ones of
 * the coded kinds, imported from campaigns/kinds/common.ts.
 *
 * ```yaml
 * id: second-order-nudge
 * name: Second-order nudge
 * kind: flow
 * exitWhen: { purchase: true }
 * nodes:
 *   start:  { type: entry, trigger: event, event: purchase, next: wait-30d }
 *   wait-30d: { type: wait, duration: 30 days, next: coupon }
 *   coupon: { type: coupon, couponSet: nudge, validFor: 14 days, next: send }
 *   send:   { type: send, channel: email, template: nudge-offer, coupon: coupon, next: done }
 *   done:   { type: exit, reason: completed }
 * ```
 *
 * This module is the flow's fields and typed nodes; ./definition.ts adds the graph checks (one
 * entry, every node reached and ending, no loop without a wait), which need these types themselves.
 * Pure: zod and plain TypeScript. Workflow code imports only the types of this module.
 */
import { z } from 'zod';
import {
  common,
  contactWindowSchema,
  durationText,
  templateRef,
} from '../../campaigns/kinds/common.js';
import { segmentDefinitionSchema, type SegmentGroup } from '../segments/definition.js';
import { SEND_CONTROL_ARM } from './split.js';

/** Node ids: what BoomerangStep shows and journey events record, so short and plain. */
export const NODE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const nodeId = z
  .string({ error: 'must name a node' })
  .regex(NODE_ID, 'must be a node id: lower-case letters, digits, "-" and "_" (at most 63)');

/** An end reason a report can group by: "completed", "purchased", "no_second_order". */
const reasonName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lower-case letters, digits and "_", e.g. "purchased"');

/** Events a flow can start on or wait for: the store's, or a custom event's name. */
const eventName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_.-]{0,62}$/,
    'must be an event name such as "purchase", "account_registered" or "checkout_started"',
  );

/** Property conditions on an event: each property must equal the value. */
const eventWhere = z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]));

const reentryRule = z.union(
  [common.reentry.unwrap(), z.strictObject({ atMostOncePer: durationText })],
  { error: 'must be "never", "after_end" or { atMostOncePer: DURATION } such as "30 days"' },
);

const entryNode = z
  .strictObject({
    type: z.literal('entry'),
    /** launch: the audience when launched; segment_entry: on entry into `segment` (daily recompute); event: on a store or custom event. */
    trigger: z.enum(['launch', 'segment_entry', 'event'], {
      error: 'must be one of launch, segment_entry, event',
    }),
    segment: z.string().min(1).optional(),
    event: eventName.optional(),
    where: eventWhere.optional(),
    /** One journey per value of this event property (e.g. one per checkout). */
    key: z.string().min(1).optional(),
    /** Events of this name carrying the journey's key replace its entry event's properties (a checkout's new items). */
    updatedBy: eventName.optional(),
    reentry: reentryRule.default('never'),
    next: nodeId,
  })
  .superRefine((n, ctx) => {
    const needs = (field: 'segment' | 'event', trigger: string) =>
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `is required with trigger ${trigger}`,
      });
    const refuse = (field: string, why: string) =>
      ctx.addIssue({ code: 'custom', path: [field], message: why });
    if (n.trigger === 'segment_entry' && !n.segment) needs('segment', 'segment_entry');
    if (n.trigger === 'event' && !n.event) needs('event', 'event');
    if (n.trigger !== 'segment_entry' && n.segment)
      refuse('segment', 'applies to trigger segment_entry only');
    if (n.trigger !== 'event') {
      if (n.event) refuse('event', 'applies to trigger event only');
      if (n.where) refuse('where', 'applies to trigger event only');
      if (n.key) refuse('key', 'a keyed entry needs trigger event, whose property is the key');
    }
    if (n.updatedBy && !n.key)
      refuse('updatedBy', 'needs a keyed entry (key), whose value names the events that update it');
  });

const waitNode = z
  .strictObject({
    type: z.literal('wait'),
    /** A plain wait. */
    duration: durationText.optional(),
    /**
     * Until the contact window opens, or until an event (with `timeout`: two exits). A purchase
     * wait hears every purchase of the contact: its `where` is refused before a flow is saved
     * (./purchase-waits.ts), not here, so a stored flow with one still loads.
     */
    until: z
      .union([
        z.literal('contact_window'),
        z.strictObject({ event: eventName, where: eventWhere.optional() }),
      ])
      .optional(),
    /** The window of `until: contact_window`; the flow's contactWindow, else every day 09:00–20:00. */
    window: contactWindowSchema.optional(),
    timeout: durationText.optional(),
    next: nodeId.optional(),
    onEvent: nodeId.optional(),
    onTimeout: nodeId.optional(),
  })
  .superRefine((n, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const forEvent = typeof n.until === 'object';
    if (n.duration === undefined && n.until === undefined)
      issue('duration', 'must be a duration such as "7 days" (or set "until")');
    if (n.duration !== undefined && n.until !== undefined)
      issue('until', 'a wait has either a duration or "until", not both');
    if (n.window && n.until !== 'contact_window')
      issue('window', 'applies to until: contact_window only');
    if (forEvent) {
      if (n.timeout === undefined) issue('timeout', 'is required when waiting for an event');
      if (n.onEvent === undefined) issue('onEvent', 'is required when waiting for an event');
      if (n.onTimeout === undefined) issue('onTimeout', 'is required when waiting for an event');
      if (n.next !== undefined) issue('next', 'an event wait has onEvent and onTimeout instead');
    } else {
      if (n.next === undefined) issue('next', 'is required');
      for (const field of ['timeout', 'onEvent', 'onTimeout'] as const)
        if (n[field] !== undefined) issue(field, 'applies to a wait until an event only');
    }
  });

/** A condition in the segment rule language: a group, or one condition (read as a group of one). */
const ruleCondition = z.unknown().transform((raw, ctx): SegmentGroup => {
  const group =
    typeof raw === 'object' && raw !== null && 'field' in raw
      ? { match: 'all', conditions: [raw] }
      : raw;
  const parsed = segmentDefinitionSchema.safeParse(group);
  if (parsed.success && 'conditions' in parsed.data) return parsed.data;
  for (const issue of parsed.error?.issues ?? [])
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  if (parsed.success) ctx.addIssue({ code: 'custom', message: 'must be conditions, not static' });
  return z.NEVER;
});

const branchCondition = z
  .strictObject({
    /** Is the contact in this segment now (evaluated live)? */
    inSegment: z.string().min(1).optional(),
    /** Has the contact purchased at least `times` times within the lookback? */
    purchased: z
      .strictObject({ times: z.number().int().min(1).default(1), within: durationText })
      .optional(),
    /** A condition on the contact, in the segment rule language. */
    rule: ruleCondition.optional(),
    /** Has the contact a running journey in this campaign (e.g. an abandoned-checkout flow)? */
    inJourney: z.string().min(1).optional(),
    /** A property of the event the journey started on. */
    entryEvent: z
      .strictObject({
        property: z.string().min(1),
        op: z
          .enum(['eq', 'neq', 'exists', 'not_exists'], {
            error:
              'must be eq, neq, exists or not_exists: an entry event property is compared by equality, not by size',
          })
          .default('eq'),
        value: z.union([z.string(), z.number(), z.boolean()]).optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const set = (['inSegment', 'purchased', 'rule', 'inJourney', 'entryEvent'] as const).filter(
      (k) => c[k] !== undefined,
    );
    if (set.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `must have exactly one of inSegment, purchased, rule, inJourney, entryEvent${set.length ? ` (has ${set.join(', ')})` : ''}`,
      });
    const e = c.entryEvent;
    if (e && (e.op === 'eq' || e.op === 'neq') && e.value === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['entryEvent', 'value'],
        message: `is required for ${e.op}`,
      });
  });

const branchNode = z.strictObject({
  type: z.literal('branch'),
  if: branchCondition,
  then: nodeId,
  else: nodeId,
});

const MDE_MESSAGE =
  'must be an uplift in conversion rate between 0 and 1, in absolute terms: 0.02 for 2 points (not 2)';

const armName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a short name such as "a"');

/**
 * Makes a split (or a send node's template variants) an experiment: the report compares each arm
 * with the control arm and decides a winner (domain/reports/sequential.ts). `experiment: true`
 * takes every default.
 */
const experimentSettings = z.strictObject({
  /** The arm the others are compared with: the first arm unless named (a send's own template: "control"). */
  control: armName.optional(),
  /** Concluded by the daily recompute once the report declares a winner. */
  autoConclude: z.boolean().default(false),
  /** The uplift in conversion rate (absolute: 0.02 is 2 points) the report plans journeys for. */
  minimumDetectableEffect: z
    .number({ error: MDE_MESSAGE })
    .gt(0, MDE_MESSAGE)
    .lt(1, MDE_MESSAGE)
    .default(0.02),
  /** Set by `experiment conclude`: journeys that start from then on all take this arm. */
  winner: armName.optional(),
});
const experiment = z
  .union([z.literal(true), experimentSettings])
  .transform((e) => (e === true ? experimentSettings.parse({}) : e));

/**
 * Each arm (a split's `arms`, a send's `variants`) named as an earlier one, at its name:
 * `arms[2].name: "b" is the name of arms[0] too; arm names must differ`.
 */
function checkArmNamesDiffer(
  arms: readonly { name: string }[],
  field: 'arms' | 'variants',
  ctx: z.RefinementCtx,
) {
  const first = new Map<string, number>();
  for (const [i, { name }] of arms.entries()) {
    const earlier = first.get(name);
    if (earlier === undefined) first.set(name, i);
    else
      ctx.addIssue({
        code: 'custom',
        path: [field, i, 'name'],
        message: `"${name}" is the name of ${field}[${earlier}] too; arm names must differ`,
      });
  }
}

/** `control` and `winner` must name one of the arms. */
function checkExperimentArms(
  settings: z.infer<typeof experimentSettings> | undefined,
  arms: string[],
  ctx: z.RefinementCtx,
) {
  for (const field of ['control', 'winner'] as const) {
    const name = settings?.[field];
    if (name !== undefined && !arms.includes(name))
      ctx.addIssue({
        code: 'custom',
        path: ['experiment', field],
        message: `no arm "${name}"; the arms are ${arms.join(', ')}`,
      });
  }
}

const splitNode = z
  .strictObject({
    type: z.literal('split'),
    arms: z
      .array(
        z.strictObject({
          name: armName,
          weight: z.number().positive('must be a positive weight'),
          next: nodeId,
        }),
      )
      .min(2, 'a split needs at least two arms'),
    experiment: experiment.optional(),
  })
  .superRefine((n, ctx) => {
    checkArmNamesDiffer(n.arms, 'arms', ctx);
    checkExperimentArms(
      n.experiment,
      n.arms.map((a) => a.name),
      ctx,
    );
  });

const sendNode = z
  .strictObject({
    type: z.literal('send'),
    /** email, sms, or any channel adapter by name. */
    channel: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a channel name such as "email"'),
    template: templateRef,
    /**
     * Other templates, each an arm of equal weight beside the node's own (arm "control"): an
     * experiment at this node (a subject-line A/B), chosen as a split chooses.
     */
    variants: z
      .array(z.strictObject({ name: armName, template: templateRef }))
      .min(1)
      .optional(),
    experiment: experiment.optional(),
    /** The id of an earlier coupon node: its coupon is in the template's variables. */
    coupon: nodeId.optional(),
    next: nodeId,
  })
  .superRefine((n, ctx) => {
    if (n.experiment && !n.variants)
      ctx.addIssue({
        code: 'custom',
        path: ['experiment'],
        message: 'a send node is an experiment through its variants; add "variants"',
      });
    const variants = n.variants ?? [];
    for (const [i, { name }] of variants.entries())
      if (name === SEND_CONTROL_ARM)
        ctx.addIssue({
          code: 'custom',
          path: ['variants', i, 'name'],
          message: `"${SEND_CONTROL_ARM}" is the arm of the node's own template; give the variant another name`,
        });
    checkArmNamesDiffer(variants, 'variants', ctx);
    checkExperimentArms(n.experiment, [SEND_CONTROL_ARM, ...variants.map((v) => v.name)], ctx);
  });

const couponNode = z.strictObject({
  type: z.literal('coupon'),
  couponSet: common.id,
  validFor: durationText.optional(),
  next: nodeId,
});

const segmentNode = z.strictObject({
  type: z.literal('segment'),
  action: z.enum(['add', 'remove']),
  segment: z.string().min(1),
  next: nodeId,
});

const tagNode = z.strictObject({
  type: z.literal('tag'),
  action: z.enum(['add', 'remove']),
  tag: z.string().min(1).max(64),
  next: nodeId,
});

const exitNode = z.strictObject({ type: z.literal('exit'), reason: reasonName });

export const NODE_TYPES = [
  'entry',
  'wait',
  'branch',
  'split',
  'send',
  'coupon',
  'segment',
  'tag',
  'exit',
] as const;

const flowNode = z.discriminatedUnion(
  'type',
  [
    entryNode,
    waitNode,
    branchNode,
    splitNode,
    sendNode,
    couponNode,
    segmentNode,
    tagNode,
    exitNode,
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `must be one of ${NODE_TYPES.join(', ')}` : undefined,
  },
);

export const flowStructureSchema = z.strictObject({
  id: common.id,
  name: common.name,
  description: common.description,
  kind: z.literal('flow'),
  audience: common.audience,
  utm: common.utm,
  holdoutPercent: common.holdoutPercent,
  contactWindow: common.contactWindow,
  /** Message pressure, as every campaign has it: each send node honours them. */
  quietHours: common.quietHours,
  frequencyCap: common.frequencyCap,
  /** Exit criteria of the whole flow, acting at once through the journey's signals. */
  exitWhen: z
    .strictObject({
      /** A purchase signalled during any wait ends the journey ("purchased"). */
      purchase: z.boolean().default(false),
      /** Leaving this segment ends the journey ("left_segment"), checked after every wait. */
      leftSegment: z.string().min(1).optional(),
      /**
       * An event of one of these names ends the journey at once, even during a wait, with the
       * event's name as the reason; with a keyed entry, only one carrying the journey's key
       * (e.g. checkout_completed, checkout_deleted for a journey per checkout).
       */
      events: z.array(eventName).min(1).optional(),
    })
    .optional(),
  nodes: z.record(z.string(), flowNode).superRefine((nodes, ctx) => {
    for (const id of Object.keys(nodes))
      if (!NODE_ID.test(id))
        ctx.addIssue({
          code: 'custom',
          path: [id],
          message: 'a node id is lower-case letters, digits, "-" and "_" (at most 63)',
        });
  }),
});

export type FlowCampaign = z.infer<typeof flowStructureSchema>;
export type FlowNode = FlowCampaign['nodes'][string];
export type FlowNodeType = FlowNode['type'];
export type FlowNodeOf<T extends FlowNodeType> = Extract<FlowNode, { type: T }>;
export type BranchCondition = FlowNodeOf<'branch'>['if'];
