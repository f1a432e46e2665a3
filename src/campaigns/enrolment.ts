/**
 * The one way into a journey. Every trigger starts its journeys here: the launch of a campaign on
 * its audience, a contact's entry into a segment (the daily recompute), and a store event such as
 * a registration. Which trigger starts a campaign is its kind's (src/campaigns/kinds/). The stored
 * definition and its version are read together once per batch of contacts, so the version always
 * names what the journeys run, even when an update lands during a launch. Workflow ids are
 * deterministic (Dittofeed's "lifecycle" habit): a retried or repeated start never enrols a
 * contact twice. The inbox decides its journeys here too but queues them (queueOnEvent) for the
 * start queue's starters (src/inbox/start-queue.ts), which start them with startJourneyWorkflow.
 *
 * Also here: the launch guard and the stop of a campaign, as services the CLI (and any client)
 * call with `{ db, client, config }`.
 */
import { forEachLimited } from '../domain/concurrency.js';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { type Config, workflowUiUrl } from '../config.js';
import {
  type CampaignForStart,
  campaignsForStart,
  getCampaign,
  setCampaignStatus,
  type StoredCampaign,
} from '../db/campaigns.js';
import { audiencePage } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { type Executor, inTransaction } from '../db/database.js';
import { journeyEntries, lockEnrolment, reserveJourney } from '../db/journeys.js';
import { enqueueJourneyStart } from '../db/start-queue.js';
import { CHECKOUT_EVENTS } from '../domain/checkouts.js';
import { enteredContactIds } from '../db/segments.js';
import { isHeldOut } from '../domain/campaigns/holdout.js';
import { CAMPAIGN, CONTACT_ID, STEP } from '../domain/search-attributes.js';
import {
  LAUNCH_WORKFLOW_TYPE,
  launchProgressQuery,
  launchWorkflowId,
  type LaunchProgress,
  type LaunchWorkflow,
} from './launch-contract.js';
import { parseDuration } from '../domain/segments/duration.js';
import {
  controlTaskQueue,
  type FlowEvent,
  type JourneyInput,
  stopSignal,
} from './journey-contract.js';
import type { CampaignBase } from './kinds/common.js';
import {
  type CampaignTrigger,
  type Reentry,
  reentryOf,
  type StoreEvent,
  triggerOf,
  type TriggerEvent,
} from './kinds/kind.js';
import { campaignKind, campaignKinds, journeyWorkflowType } from './kinds/registry.js';
import { type SettleSummary, settleClosedJourneys } from './settle.js';
import { activeCampaignsForStart } from './active-campaigns.js';

export type { CampaignForStart } from '../db/campaigns.js';

/** `<campaign>/<contact>`; a re-entry after an ended journey adds the entry number. */
export function journeyWorkflowId(campaignId: string, contactId: number, entry = 1): string {
  return entry <= 1 ? `${campaignId}/${contactId}` : `${campaignId}/${contactId}/${entry}`;
}

/**
 * `<campaign>/<contact>/key/<value>`: a campaign whose entry is keyed by an event property runs one
 * journey per contact and value (e.g. per checkout), each once.
 */
export function keyedJourneyWorkflowId(campaignId: string, contactId: number, key: string): string {
  return `${campaignId}/${contactId}/key/${key}`;
}

/** How the journeys of `campaign` start (its kind's trigger, or its flow's entry node). */
export function campaignTrigger(campaign: CampaignBase): CampaignTrigger {
  return triggerOf(campaignKind(campaign.kind), campaign);
}

export type StartOutcome = 'started' | 'already_enrolled';

export interface JourneyStarter {
  client: Client;
  db: Db;
  taskQueue: string;
  /** Set the Boomerang search attributes (default). Off only for the time-skipping test server, which has none. */
  searchAttributes?: boolean;
  /**
   * `client` shares the NativeConnection of a worker polling `taskQueue` in this process: the
   * server may hand a journey's first workflow task back with the start, without a poll.
   */
  eagerStart?: boolean;
}

export interface EnrolmentCounts {
  started: number;
  alreadyEnrolled: number;
}

/** The value of a keyed entry's property, as a workflow id part; undefined when the event has none. */
function keyValue(event: FlowEvent | undefined, key: string): string | undefined {
  const value = event?.properties?.[key];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

/** May a contact with these journeys in the campaign enter again under `reentry`? */
function mayEnterAgain(
  previous: readonly { enrolledAt: Date; endedAt: Date | null }[],
  reentry: Exclude<Reentry, 'never'>,
): boolean {
  const latest = previous.at(-1);
  const tooSoon =
    latest &&
    typeof reentry === 'object' &&
    Date.now() - latest.enrolledAt.getTime() < (parseDuration(reentry.atMostOncePer) ?? 0);
  return !previous.some((j) => j.endedAt === null) && !tooSoon;
}

/** A keyed entry with a re-entry rule: the rule limits a contact's journeys across key values. */
function limitsKeyedEntries(campaign: CampaignBase): boolean {
  const kind = campaignKind(campaign.kind);
  const trigger = triggerOf(kind, campaign);
  return (
    trigger.on === 'event' && trigger.key !== undefined && reentryOf(kind, campaign) !== 'never'
  );
}

/** The workflow id of a contact's next journey in `campaign`, or why there is none (already in one). */
async function nextJourney(
  db: Executor,
  campaign: CampaignBase,
  contactId: number,
  entryEvent: FlowEvent | undefined,
): Promise<{ workflowId: string; alreadyEnrolled?: true }> {
  const kind = campaignKind(campaign.kind);
  const trigger = triggerOf(kind, campaign);
  const reentry = reentryOf(kind, campaign);
  if (trigger.on === 'event' && trigger.key) {
    // One journey per key value, ever (queueOnEvent skips an event without the property); a
    // re-entry rule also holds per contact, across key values (one journey for five carts a day).
    const key = keyValue(entryEvent, trigger.key) ?? '';
    const workflowId = keyedJourneyWorkflowId(campaign.id, contactId, key);
    if (reentry === 'never') return { workflowId };
    const previous = await journeyEntries(db, campaign.id, contactId);
    // Turned away: the answer names the contact's journey that holds the entry, not this key's.
    return mayEnterAgain(previous, reentry)
      ? { workflowId }
      : { workflowId: previous.at(-1)!.workflowId, alreadyEnrolled: true };
  }
  if (reentry === 'never') return { workflowId: journeyWorkflowId(campaign.id, contactId) };
  const previous = await journeyEntries(db, campaign.id, contactId);
  if (!mayEnterAgain(previous, reentry))
    return {
      workflowId: journeyWorkflowId(campaign.id, contactId, previous.length),
      alreadyEnrolled: true,
    };
  return { workflowId: journeyWorkflowId(campaign.id, contactId, previous.length + 1) };
}

/**
 * Starts a contact's journey in a campaign whose stored definition and version were read for its
 * batch. `entryEvent` is the event that starts it (a flow's branches may read its properties).
 */
async function start(
  deps: JourneyStarter,
  stored: CampaignForStart<CampaignBase>,
  contactId: number,
  entryEvent?: FlowEvent,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  return underEnrolmentRule(deps.db, stored.definition, contactId, (db) =>
    startJourneyOf(deps, db, stored, contactId, entryEvent),
  );
}

/**
 * Runs `enter` (the check of a contact's next journey, and what makes it count for the next check)
 * under the contact's enrolment lock where a keyed entry's re-entry rule needs it: two keys of one
 * contact applied at once must not both pass the per-contact rule. In a caller's transaction, the
 * lock is held until that transaction ends.
 */
function underEnrolmentRule<T>(
  db: Executor,
  campaign: CampaignBase,
  contactId: number,
  enter: (db: Executor) => Promise<T>,
): Promise<T> {
  if (!limitsKeyedEntries(campaign)) return enter(db);
  return inTransaction(db, async (trx) => {
    await lockEnrolment(trx, campaign.id, contactId);
    return enter(trx);
  });
}

/** The input of a contact's journey in `campaign` at `version`. */
export function journeyInput(
  campaign: CampaignBase,
  version: number,
  contactId: number,
  entryEvent: FlowEvent | undefined,
): JourneyInput<CampaignBase> & { entryEvent?: FlowEvent } {
  return {
    campaign,
    contactId,
    holdout: isHeldOut(campaign.id, contactId, campaign.holdoutPercent),
    definitionVersion: version,
    ...(entryEvent ? { entryEvent } : {}),
  };
}

/**
 * Starts a journey's workflow (REJECT_DUPLICATE: a workflow id is used once). 'already_enrolled'
 * when it exists already.
 */
export async function startJourneyWorkflow(
  deps: JourneyStarter,
  workflowId: string,
  input: JourneyInput<CampaignBase>,
): Promise<StartOutcome> {
  const { campaign, contactId } = input;
  try {
    await deps.client.workflow.start(journeyWorkflowType(campaign.kind), {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      requestEagerStart: deps.eagerStart,
      typedSearchAttributes:
        deps.searchAttributes === false
          ? []
          : [
              { key: CONTACT_ID, value: String(contactId) },
              { key: CAMPAIGN, value: campaign.id },
              { key: STEP, value: 'enrolled' },
            ],
      memo: { campaign: campaign.name, kind: campaign.kind, contactId },
      staticSummary: `${campaign.name} — contact ${contactId}`,
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_enrolled';
    throw err;
  }
}

async function startJourneyOf(
  deps: JourneyStarter,
  db: Executor,
  { definition: campaign, version }: CampaignForStart<CampaignBase>,
  contactId: number,
  entryEvent: FlowEvent | undefined,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  const { workflowId, alreadyEnrolled } = await nextJourney(db, campaign, contactId, entryEvent);
  if (alreadyEnrolled) return { outcome: 'already_enrolled', workflowId };
  const input = journeyInput(campaign, version, contactId, entryEvent);
  const outcome = await startJourneyWorkflow(deps, workflowId, input);
  // Under a per-contact rule the journey's row is written now, so the next check sees it at once.
  if (outcome === 'started' && limitsKeyedEntries(campaign))
    await reserveJourney(db, {
      workflowId,
      campaignId: campaign.id,
      contactId,
      holdout: input.holdout ?? false,
      definitionVersion: version,
    });
  return { outcome, workflowId };
}

/**
 * Queues a contact's next journey in a campaign for the start queue (src/inbox/start-queue.ts):
 * its workflow id and the entry rule are decided now, as `start` decides them, and the queued row
 * counts for the next check. 'started' when queued (now, or by an earlier apply of the event and
 * not started yet): the queue starts it.
 */
async function enqueue(
  db: Executor,
  { definition: campaign, version }: CampaignForStart<CampaignBase>,
  contactId: number,
  entryEvent?: FlowEvent,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  return underEnrolmentRule(db, campaign, contactId, async (executor) => {
    const { workflowId, alreadyEnrolled } = await nextJourney(
      executor,
      campaign,
      contactId,
      entryEvent,
    );
    if (alreadyEnrolled) return { outcome: 'already_enrolled', workflowId };
    const queued = await enqueueJourneyStart(executor, {
      workflowId,
      campaignId: campaign.id,
      definitionVersion: version,
      contactId,
      holdout: isHeldOut(campaign.id, contactId, campaign.holdoutPercent),
      entryEvent,
    });
    return { outcome: queued ? 'started' : 'already_enrolled', workflowId };
  });
}

/**
 * Starts one contact's journey in `requested` (by id), a batch of one: the journey gets the
 * campaign's stored definition and its version (`requested` only if it was never stored).
 */
export async function startJourney(
  deps: JourneyStarter,
  requested: CampaignBase,
  contactId: number,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  return start(deps, await storedOrRequested(deps.db, requested), contactId);
}

/** The campaign's stored definition and its version; `requested` itself if it was never stored. */
async function storedOrRequested(
  db: Db,
  requested: CampaignBase,
): Promise<CampaignForStart<CampaignBase>> {
  const [stored] = await campaignsForStart(db, [requested.id]);
  return stored ?? { definition: requested, version: 1 };
}

/** Journey starts in flight per launch batch: enough to keep the server busy while journeys already run. */
export const LAUNCH_CONCURRENCY = 64;

export interface AudienceBatch extends EnrolmentCounts {
  /** The last contact id looked at: the next batch starts after it. */
  cursor: number;
  scanned: number;
  /** No contact left, or the campaign is no longer active. */
  done: boolean;
  haltedBecause?: 'paused' | 'stopped';
}

/**
 * Trigger "launch": starts the journeys of the next page of the campaign's audience, with the
 * definition read once for the page. Safe to retry: ids are deterministic. `progress` is told the
 * number of contacts handled every 50 (the launch activity heartbeats with it).
 */
export async function enrolAudienceBatch(
  deps: JourneyStarter,
  batch: { campaignId: string; afterContactId: number; limit: number },
  progress: (handled: number) => void = () => {},
): Promise<AudienceBatch> {
  const stored = await getCampaign(deps.db, batch.campaignId);
  const empty = { cursor: batch.afterContactId, scanned: 0, started: 0, alreadyEnrolled: 0 };
  if (stored.status !== 'active') return { ...empty, done: true, haltedBecause: stored.status };

  const contacts = await audiencePage(
    deps.db,
    stored.definition.audience.limitation,
    batch.afterContactId,
    batch.limit,
  );
  const counts = { started: 0, alreadyEnrolled: 0 };
  await forEachLimited(contacts, LAUNCH_CONCURRENCY, async ({ id }) => {
    const { outcome } = await start(deps, stored, id);
    if (outcome === 'started') counts.started++;
    else counts.alreadyEnrolled++;
    const handled = counts.started + counts.alreadyEnrolled;
    if (handled % 50 === 0) progress(handled);
  });
  return {
    cursor: contacts.at(-1)?.id ?? batch.afterContactId,
    scanned: contacts.length,
    ...counts,
    done: contacts.length < batch.limit,
  };
}

function startsOn(trigger: CampaignTrigger, on: 'segment_entry' | TriggerEvent): boolean {
  return on === 'segment_entry'
    ? trigger.on === 'segment_entry'
    : trigger.on === 'event' && trigger.event === on;
}

/** The kinds whose journeys may start on `on` (a flow's own entry node says whether they do). */
function kindsStartedBy(on: 'segment_entry' | TriggerEvent): string[] {
  return campaignKinds()
    .filter((k) => typeof k.trigger === 'function' || startsOn(k.trigger, on))
    .map((k) => k.kind);
}

/** The active campaigns whose journeys start on `on`, each with its definition and version. */
async function campaignsStartingOn(
  db: Db,
  on: 'segment_entry' | TriggerEvent,
): Promise<CampaignForStart[]> {
  const campaigns = await activeCampaignsForStart(db, kindsStartedBy(on));
  return campaigns.filter((c) => startsOn(campaignTrigger(c.definition), on));
}

/** A segment's refresh: who entered it, and when (the recompute's SegmentRefresh). */
export interface SegmentEntries {
  segment: string;
  segmentId: number;
  at: string;
  entered: number;
}

/**
 * Trigger "on entry into segment": starts the journeys of every active campaign triggered by a
 * segment, for the contacts that entered it in this refresh, the definition read once per page of
 * contacts. A retry after a crash starts over: the contacts already started count as already
 * enrolled. `progress` is told each page done (the recompute activity heartbeats with it).
 */
export async function enrolOnSegmentEntry(
  deps: JourneyStarter,
  refreshes: readonly SegmentEntries[],
  progress: (at: { campaign: string; after: number | null }) => void = () => {},
): Promise<EnrolmentCounts> {
  const counts = { started: 0, alreadyEnrolled: 0 };
  for (const { definition } of await campaignsStartingOn(deps.db, 'segment_entry')) {
    const trigger = campaignTrigger(definition);
    if (trigger.on !== 'segment_entry') continue;
    const refresh = refreshes.find((r) => r.segment === trigger.segment(definition));
    if (!refresh || refresh.entered === 0) continue;
    let after: number | null = 0;
    while (after !== null) {
      const page: { contactIds: number[]; next: number | null } = await enteredContactIds(
        deps.db,
        refresh.segmentId,
        new Date(refresh.at),
        { after, limit: 500 },
      );
      const campaign = await storedOrRequested(deps.db, definition);
      for (const contactId of page.contactIds) {
        const { outcome } = await start(deps, campaign, contactId);
        if (outcome === 'started') counts.started++;
        else counts.alreadyEnrolled++;
      }
      progress({ campaign: definition.id, after: page.next });
      after = page.next;
    }
  }
  return counts;
}

/** The active campaigns a store or custom event starts journeys in, read once for a batch of events. */
export function campaignsStartedBy(db: Db, event: TriggerEvent): Promise<CampaignForStart[]> {
  return campaignsStartingOn(db, event);
}

export interface JourneyStart {
  campaignId: string;
  workflowId: string;
  outcome: StartOutcome;
  /** Entered now, its start left to the start queue's starters. */
  queued?: true;
}

/** Does `event` meet the `where` of a trigger (each property equal to its value)? */
function meetsWhere(trigger: CampaignTrigger, event: FlowEvent | undefined): boolean {
  if (trigger.on !== 'event' || !trigger.where) return true;
  return Object.entries(trigger.where).every(([k, v]) => event?.properties?.[k] === v);
}

/**
 * Trigger "store event": a contact's journeys in `campaigns` (campaignsStartedBy), one each (one per
 * key value for a keyed entry), unless the campaign's audience needs an email the contact has not or
 * the event misses its entry's `where`. They go to the start queue, whose starters start them at
 * the engine's rate (or the inbox at once, src/inbox/journey-entry.ts), so applying an event never
 * waits for Temporal; a journey's contact must be committed before it starts. An outcome
 * 'started' is a journey queued now. `deps.db` may be a transaction: the queued starts are then
 * written (or rolled back) with it.
 */
export async function queueOnEvent(
  deps: { db: Executor },
  campaigns: readonly CampaignForStart<CampaignBase>[],
  contact: { id: number; email: string | null },
  event?: FlowEvent,
): Promise<JourneyStart[]> {
  const journeys: JourneyStart[] = [];
  const failed: { campaignId: string; error: unknown }[] = [];
  for (const campaign of campaigns) {
    if (campaign.definition.audience.limitation === 'with_email' && !contact.email) continue;
    const trigger = campaignTrigger(campaign.definition);
    if (!meetsWhere(trigger, event)) continue;
    if (trigger.on === 'event' && trigger.key && keyValue(event, trigger.key) === undefined)
      continue;
    // One campaign's failure must not keep the contact out of the others: a retry of the event
    // finds those enrolled (deterministic ids) and tries the failed ones again.
    try {
      const { outcome, workflowId } = await enqueue(deps.db, campaign, contact.id, event);
      journeys.push({ campaignId: campaign.definition.id, workflowId, outcome });
    } catch (error) {
      failed.push({ campaignId: campaign.definition.id, error });
    }
  }
  if (failed.length) throw enrolmentFailure(contact.id, failed, journeys);
  return journeys;
}

/** The campaigns a contact failed to enter, and those it entered. */
export function enrolmentFailure(
  contactId: number,
  failed: readonly { campaignId: string; error: unknown }[],
  entered: readonly { campaignId: string }[],
): Error {
  return new Error(
    `contact ${contactId}: ${failed.map((f) => `campaign ${f.campaignId} failed to enrol (${(f.error as Error).message})`).join('; ')}; ` +
      `${entered.length ? `enrolled in ${entered.map((j) => j.campaignId).join(', ')}` : 'no other campaign to enrol in'}`,
    // An outage stays recognisable as one (never parked).
    { cause: failed[0]!.error },
  );
}

/** What to tell a user about an event that starts journeys: a store event, else a custom one. */
function eventWords(event: TriggerEvent): { created: string; notLaunched: string } {
  return (
    (STORE_EVENT_WORDS as Record<string, { created: string; notLaunched: string }>)[event] ?? {
      created: `it starts a journey whenever the store reports a contact's "${event}" event (POST /events with type track, name ${event})`,
      notLaunched: `starts on a "${event}" event (POST /events with type track, name ${event})`,
    }
  );
}

/** The store's own event types, not custom `track` events: each is posted under its own type. */
const STORE_EVENT_WORDS: Record<
  | StoreEvent
  | 'purchase'
  | 'order_refunded'
  | 'order_partially_refunded'
  | 'order_cancelled'
  | typeof CHECKOUT_EVENTS.started,
  { created: string; notLaunched: string }
> = {
  purchase: {
    created:
      'it starts a journey on every paid order the store reports (POST /events purchase, `boomerang event purchase`)',
    notLaunched:
      'starts on a paid order (POST /events with type purchase, or `boomerang event purchase`)',
  },
  order_refunded: {
    created:
      "it starts a journey on every order the store reports refunded in full (POST /events order_refunded, or Shopify's refunds/create)",
    notLaunched:
      "starts when an order is refunded in full (POST /events with type order_refunded, or Shopify's refunds/create)",
  },
  order_partially_refunded: {
    created:
      "it starts a journey on every partial refund the store reports (POST /events order_refunded with an amount below the order's total, or Shopify's refunds/create)",
    notLaunched:
      "starts on a partial refund (POST /events with type order_refunded and an amount below the order's total, or Shopify's refunds/create)",
  },
  order_cancelled: {
    created:
      "it starts a journey on every order the store reports cancelled (POST /events purchase with order.status cancelled, or Shopify's orders/cancelled)",
    notLaunched:
      "starts when an order is cancelled (POST /events with type purchase and order.status cancelled, or Shopify's orders/cancelled)",
  },
  account_registered: {
    created:
      'it starts a journey for every contact who registers (POST /events account_registered)',
    notLaunched:
      'starts when a contact registers (POST /events with type account_registered, or `boomerang event register`)',
  },
  checkout_started: {
    created:
      "it starts a journey for every checkout the store reports with a consenting contact (POST /events checkout_started or checkout_updated, or Shopify's checkouts webhooks)",
    notLaunched:
      "starts on a checkout (POST /events with type checkout_started or checkout_updated, or Shopify's checkouts webhooks)",
  },
};

/** How a campaign's journeys start, said to whoever just created it. */
export function howItStarts(campaign: CampaignBase): string {
  const trigger = campaignTrigger(campaign);
  switch (trigger.on) {
    case 'launch':
      return `launch it with: boomerang campaign launch ${campaign.id}`;
    case 'segment_entry':
      return `it starts journeys when contacts enter segment "${trigger.segment(campaign)}" (daily recompute)`;
    case 'event':
      return eventWords(trigger.event).created;
  }
}

/** What the services need: the database, a Temporal client and the config. */
export interface CampaignServiceDeps {
  db: Db;
  client: Client;
  config: Config;
}

/** A launch the campaign refuses: it is not active, or its journeys start on another trigger. */
export class CampaignNotLaunchableError extends Error {
  constructor(
    message: string,
    readonly reason: 'not_active' | 'not_launched',
  ) {
    super(message);
    this.name = 'CampaignNotLaunchableError';
  }
}

/**
 * Why a launch of the stored campaign `id` is refused, if it is: its journeys start on another
 * trigger (whatever its status, so resuming it is not suggested), or it is not active.
 */
export function launchRefusal(
  id: string,
  stored: Pick<StoredCampaign, 'definition' | 'status'>,
): CampaignNotLaunchableError | undefined {
  const trigger = campaignTrigger(stored.definition);
  if (trigger.on === 'segment_entry')
    return new CampaignNotLaunchableError(
      `campaign "${id}" cannot be launched: it starts on entry into segment "${trigger.segment(stored.definition)}": contacts who enter it at the daily recompute are enrolled (run \`boomerang indicators recompute\` to do it now)`,
      'not_launched',
    );
  if (trigger.on === 'event')
    return new CampaignNotLaunchableError(
      `campaign "${id}" cannot be launched: its journeys start when the event arrives; it ${eventWords(trigger.event).notLaunched}`,
      'not_launched',
    );
  if (stored.status !== 'active')
    return new CampaignNotLaunchableError(
      `campaign "${id}" is ${stored.status}; resume it first with \`boomerang campaign resume ${id}\``,
      'not_active',
    );
  return undefined;
}

/**
 * The campaign, if a launch may start now; else throws CampaignNotLaunchableError (or
 * UnknownCampaignError). Reads the database only: a refusal needs no Temporal.
 */
export async function launchableCampaign(db: Db, id: string): Promise<StoredCampaign> {
  const stored = await getCampaign(db, id);
  const refusal = launchRefusal(id, stored);
  if (refusal) throw refusal;
  return stored;
}

export interface LaunchStarted {
  workflowId: string;
  /** The launch in the Temporal Web UI. */
  url: string;
  /** A launch of this campaign was running already: this one follows it. */
  alreadyRunning: boolean;
}

export interface LaunchOutcome extends LaunchStarted {
  /** The launch's end (absent with `wait: false`). */
  progress?: LaunchProgress;
}

/** Contacts per batch (default 500), whether to follow the launch to its end (default true), progress hooks. */
export interface LaunchOptions {
  batchSize?: number;
  wait?: boolean;
  onStarted?: (started: LaunchStarted) => void;
  onProgress?: (progress: LaunchProgress) => void;
}

/**
 * Launches a campaign on its audience (the launch workflow, on the control task queue): refused
 * unless the campaign is active and its kind starts on a launch. With `wait` (the default), follows
 * the launch to its end, telling `onProgress` what it has done every half second.
 */
export async function launchCampaign(
  deps: CampaignServiceDeps,
  opts: LaunchOptions & { campaignId: string },
): Promise<LaunchOutcome> {
  return startLaunch(deps, await launchableCampaign(deps.db, opts.campaignId), opts);
}

/**
 * Launches `campaign` as launchableCampaign let it through, without reading it again: the launch's
 * batches read the definition and the status themselves, each when it starts its journeys.
 */
export async function startLaunch(
  deps: CampaignServiceDeps,
  campaign: StoredCampaign,
  opts: LaunchOptions = {},
): Promise<LaunchOutcome> {
  const id = campaign.definition.id;
  const workflowId = launchWorkflowId(id);
  let handle: WorkflowHandle<LaunchWorkflow>;
  let alreadyRunning = false;
  try {
    handle = await deps.client.workflow.start<LaunchWorkflow>(LAUNCH_WORKFLOW_TYPE, {
      taskQueue: controlTaskQueue(deps.config.temporal.taskQueue),
      workflowId,
      args: [{ campaignId: id, batchSize: opts.batchSize ?? 500 }],
      typedSearchAttributes: [{ key: CAMPAIGN, value: id }],
      staticSummary: `Launch of ${campaign.definition.name}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    handle = deps.client.workflow.getHandle(workflowId);
    alreadyRunning = true;
  }
  const started = { workflowId, url: workflowUiUrl(deps.config, workflowId), alreadyRunning };
  opts.onStarted?.(started);
  if (opts.wait === false) return started;
  const onProgress = opts.onProgress;
  const poll =
    onProgress &&
    setInterval(() => {
      handle
        .query(launchProgressQuery)
        .then(onProgress)
        .catch(() => {});
    }, 500);
  try {
    return { ...started, progress: await handle.result() };
  } finally {
    if (poll) clearInterval(poll);
  }
}

export interface StopOutcome {
  /** Running journeys told to end ("campaign_stopped"). */
  stopped: number;
  /** Journeys whose workflow had closed without the table knowing: now recorded. */
  settled: SettleSummary;
}

/**
 * Stops a campaign: no new enrolments (its status), and every running journey is told to end. The
 * launch halts by itself at its next batch. Journeys whose workflow already closed (failed,
 * terminated) end in the journeys table too.
 */
export async function stopCampaign(
  deps: Pick<CampaignServiceDeps, 'db' | 'client'>,
  opts: { campaignId: string; reason?: string },
): Promise<StopOutcome> {
  const id = opts.campaignId;
  await setCampaignStatus(deps.db, id, 'stopped');
  let stopped = 0;
  for await (const execution of deps.client.workflow.list({
    query: `${CAMPAIGN.name} = "${id}" AND ExecutionStatus = "Running"`,
  })) {
    if (execution.workflowId === launchWorkflowId(id)) continue;
    await deps.client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .signal(stopSignal, { reason: opts.reason ?? 'campaign stopped' });
    stopped++;
  }
  const settled = await settleClosedJourneys(deps, id);
  return { stopped, settled };
}
