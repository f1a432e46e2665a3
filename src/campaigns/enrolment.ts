/**
 * The one way into a journey. Every trigger starts its journeys here: the launch of a campaign on
 * its audience, a contact's entry into a segment (the daily recompute), and a store event such as
 * a registration. Which trigger starts a campaign is its kind's (src/campaigns/kinds/). The stored
 * definition and its version are read together once per batch of contacts, so the version always
 * names what the journeys run, even when an update lands during a launch. Workflow ids are
 * deterministic (Dittofeed's "lifecycle" habit): a retried or repeated start never enrols a
 * contact twice.
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
import type { Config } from '../config.js';
import {
  activeCampaignsForStart,
  type CampaignForStart,
  definitionForStart,
  getCampaign,
  setCampaignStatus,
} from '../db/campaigns.js';
import { audiencePage } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { journeyEntries } from '../db/journeys.js';
import { enteredContactIds } from '../db/segments.js';
import { isHeldOut } from '../domain/campaigns/holdout.js';
import { CAMPAIGN, CONTACT_ID, STEP } from '../domain/search-attributes.js';
import { workflowUiUrl } from '../temporal/connection.js';
import {
  launchCampaign as launchWorkflow,
  launchProgressQuery,
  launchWorkflowId,
  type LaunchProgress,
} from '../workflows/launch.js';
import { controlTaskQueue, type JourneyInput, stopSignal } from './journey-contract.js';
import type { CampaignBase } from './kinds/common.js';
import type { StoreEvent } from './kinds/kind.js';
import { campaignKind, campaignKinds, journeyWorkflowType } from './kinds/registry.js';
import { type SettleSummary, settleClosedJourneys } from './settle.js';

export type { CampaignForStart } from '../db/campaigns.js';

/** `<campaign>/<contact>`; a re-entry after an ended journey adds the entry number. */
export function journeyWorkflowId(campaignId: string, contactId: number, entry = 1): string {
  return entry <= 1 ? `${campaignId}/${contactId}` : `${campaignId}/${contactId}/${entry}`;
}

export type StartOutcome = 'started' | 'already_enrolled';

export interface JourneyStarter {
  client: Client;
  db: Db;
  taskQueue: string;
  /** Set the Boomerang search attributes (default). Off only for the time-skipping test server, which has none. */
  searchAttributes?: boolean;
}

export interface EnrolmentCounts {
  started: number;
  alreadyEnrolled: number;
}

/** Starts a contact's journey in a campaign whose stored definition and version were read for its batch. */
async function start(
  deps: JourneyStarter,
  { definition: campaign, version }: CampaignForStart<CampaignBase>,
  contactId: number,
): Promise<{ outcome: StartOutcome; workflowId: string }> {
  let entry = 1;
  if (campaign.reentry === 'after_end') {
    const previous = await journeyEntries(deps.db, campaign.id, contactId);
    if (previous.some((j) => j.endedAt === null))
      return {
        outcome: 'already_enrolled',
        workflowId: journeyWorkflowId(campaign.id, contactId, previous.length),
      };
    entry = previous.length + 1;
  }
  const workflowId = journeyWorkflowId(campaign.id, contactId, entry);
  const input: JourneyInput<CampaignBase> = {
    campaign,
    contactId,
    holdout: isHeldOut(campaign.id, contactId, campaign.holdoutPercent),
    definitionVersion: version,
  };
  try {
    await deps.client.workflow.start(journeyWorkflowType(campaign.kind), {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
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
    return { outcome: 'started', workflowId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      return { outcome: 'already_enrolled', workflowId };
    throw err;
  }
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
  const stored = await definitionForStart(deps.db, requested.id);
  return start(deps, stored ?? { definition: requested, version: 1 }, contactId);
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

/** The kinds whose journeys start on `trigger`. */
function kindsStartedBy(trigger: 'segment_entry' | StoreEvent): string[] {
  return campaignKinds()
    .filter((k) =>
      trigger === 'segment_entry'
        ? k.trigger.on === 'segment_entry'
        : k.trigger.on === 'event' && k.trigger.event === trigger,
    )
    .map((k) => k.kind);
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
  for (const { definition } of await activeCampaignsForStart(
    deps.db,
    kindsStartedBy('segment_entry'),
  )) {
    const trigger = campaignKind(definition.kind).trigger;
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
      const campaign = (await definitionForStart(deps.db, definition.id)) ?? {
        definition,
        version: 1,
      };
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

/** The active campaigns a store event starts journeys in, read once for a batch of events. */
export function campaignsStartedBy(db: Db, event: StoreEvent): Promise<CampaignForStart[]> {
  return activeCampaignsForStart(db, kindsStartedBy(event));
}

export interface JourneyStart {
  campaignId: string;
  workflowId: string;
  outcome: StartOutcome;
}

/**
 * Trigger "store event": a contact's journeys in `campaigns` (campaignsStartedBy), one each, unless
 * the campaign's audience needs an email the contact has not. Its contact must be committed: the
 * journey's activities read it.
 */
export async function enrolOnEvent(
  deps: JourneyStarter,
  campaigns: readonly CampaignForStart<CampaignBase>[],
  contact: { id: number; email: string | null },
): Promise<JourneyStart[]> {
  const journeys: JourneyStart[] = [];
  const failed: { campaignId: string; error: unknown }[] = [];
  for (const campaign of campaigns) {
    if (campaign.definition.audience.limitation === 'with_email' && !contact.email) continue;
    // One campaign's failure must not keep the contact out of the others: a retry of the event
    // finds those enrolled (deterministic ids) and tries the failed ones again.
    try {
      const { outcome, workflowId } = await start(deps, campaign, contact.id);
      journeys.push({ campaignId: campaign.definition.id, workflowId, outcome });
    } catch (error) {
      failed.push({ campaignId: campaign.definition.id, error });
    }
  }
  if (failed.length)
    throw new Error(
      `contact ${contact.id}: ${failed.map((f) => `campaign ${f.campaignId} failed to enrol (${(f.error as Error).message})`).join('; ')}; ` +
        `${journeys.length ? `enrolled in ${journeys.map((j) => j.campaignId).join(', ')}` : 'no other campaign to enrol in'}`,
      // An outage stays recognisable as one (never parked).
      { cause: failed[0]!.error },
    );
  return journeys;
}

/** What to tell a user about a store event that starts journeys. */
const STORE_EVENT_WORDS: Record<StoreEvent, { created: string; notLaunched: string }> = {
  account_registered: {
    created:
      'it starts a journey for every contact who registers (POST /events account_registered)',
    notLaunched:
      'starts when a contact registers (POST /events with type account_registered, or `boomerang event register`)',
  },
};

/** How a campaign's journeys start, said to whoever just created it. */
export function howItStarts(campaign: CampaignBase): string {
  const trigger = campaignKind(campaign.kind).trigger;
  switch (trigger.on) {
    case 'launch':
      return `launch it with: boomerang campaign launch ${campaign.id}`;
    case 'segment_entry':
      return `it starts journeys when contacts enter segment "${trigger.segment(campaign)}" (daily recompute)`;
    case 'event':
      return STORE_EVENT_WORDS[trigger.event].created;
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

/**
 * Launches a campaign on its audience (the launch workflow, on the control task queue): refused
 * unless the campaign is active and its kind starts on a launch. With `wait` (the default), follows
 * the launch to its end, telling `onProgress` what it has done every half second.
 */
export async function launchCampaign(
  deps: CampaignServiceDeps,
  opts: {
    campaignId: string;
    batchSize?: number;
    wait?: boolean;
    onStarted?: (started: LaunchStarted) => void;
    onProgress?: (progress: LaunchProgress) => void;
  },
): Promise<LaunchOutcome> {
  const id = opts.campaignId;
  const stored = await getCampaign(deps.db, id);
  if (stored.status !== 'active')
    throw new CampaignNotLaunchableError(
      `campaign "${id}" is ${stored.status}; resume it first with \`boomerang campaign resume ${id}\``,
      'not_active',
    );
  const trigger = campaignKind(stored.definition.kind).trigger;
  if (trigger.on === 'segment_entry')
    throw new CampaignNotLaunchableError(
      `campaign "${id}" starts on entry into segment "${trigger.segment(stored.definition)}": contacts who enter it at the daily recompute are enrolled (run \`boomerang indicators recompute\` to do it now)`,
      'not_launched',
    );
  if (trigger.on === 'event')
    throw new CampaignNotLaunchableError(
      `campaign "${id}" ${STORE_EVENT_WORDS[trigger.event].notLaunched}`,
      'not_launched',
    );

  const workflowId = launchWorkflowId(id);
  let handle: WorkflowHandle<typeof launchWorkflow>;
  let alreadyRunning = false;
  try {
    handle = await deps.client.workflow.start(launchWorkflow, {
      taskQueue: controlTaskQueue(deps.config.temporal.taskQueue),
      workflowId,
      args: [{ campaignId: id, batchSize: opts.batchSize ?? 500 }],
      typedSearchAttributes: [{ key: CAMPAIGN, value: id }],
      staticSummary: `Launch of ${stored.definition.name}`,
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
