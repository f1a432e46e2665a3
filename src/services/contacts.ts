/**
 * A contact as the CLI, the HTTP endpoint and the client see it: looked up by any of its keys, its
 * profile (indicators, segments, journeys), the trace of its journeys, and its unsubscribe.
 */
import type { Client } from '@temporalio/client';
import { journeyQuery, type JourneyState } from '../campaigns/journey-contract.js';
import { type Config, workflowUiUrl } from '../config.js';
import {
  findContact as findContactRow,
  unsubscribeFromNewsletter,
  type UnsubscribeOutcome,
} from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { indicatorsOfContact } from '../db/indicators.js';
import { journeysOfContact, stepsEntered } from '../db/journeys.js';
import { segmentsOfContact } from '../db/segments.js';
import type { Contact } from '../domain/contacts.js';
import { CONTACT_ID } from '../domain/search-attributes.js';

/** A contact by numeric id, external id or email (case-insensitive); undefined when none. */
export function findContact(db: Db, idOrKey: string | number): Promise<Contact | undefined> {
  return findContactRow(db, idOrKey);
}

/** What `contact show` prints beside the contact: value indicators, segments and journeys. */
export async function contactProfile(db: Db, contactId: number) {
  const [indicators, segments, journeys] = await Promise.all([
    indicatorsOfContact(db, contactId),
    segmentsOfContact(db, contactId),
    journeysOfContact(db, contactId),
  ]);
  return { indicators, segments, journeys };
}

/**
 * The contact `contactId` as the store names it in an event: its external id, else its email;
 * undefined when no contact has that id.
 */
export async function storeReferenceOf(
  db: Db,
  contactId: number,
): Promise<{ external_id: string } | { email: string | null } | undefined> {
  const contact = await findContactRow(db, contactId);
  if (!contact) return undefined;
  return contact.externalId ? { external_id: contact.externalId } : { email: contact.email };
}

/**
 * Sets the contact's newsletter status to unsubscribed (once: the time of the first request is
 * kept), unless the token was issued before the contact's current subscription began.
 */
export function unsubscribeContact(
  db: Db,
  contactId: number,
  tokenIssuedAt: Date,
): Promise<UnsubscribeOutcome> {
  return unsubscribeFromNewsletter(db, contactId, tokenIssuedAt);
}

export interface JourneyTrace {
  workflowId: string;
  runId: string;
  /** The campaign's name, as the journey started under it. */
  campaign: string;
  /** The campaign's id: two campaigns may share a name. */
  campaignId: string;
  workflowType: string;
  status: string;
  holdout: boolean | null;
  /** The campaign definition version the journey runs (or ended) under. */
  definitionVersion: number | null;
  currentStep: string | null;
  /** Each step with the definition version it ran under. */
  steps: {
    step: string;
    label: string;
    at: string;
    outcome?: string;
    /** The experiment arm the step took (a split, a send's template variant). */
    arm?: string;
    definitionVersion?: number;
  }[];
  /** When a durable timer of the journey fires next (its wait), if it is waiting. */
  nextWakeUp: string | null;
  endReason: string | null;
  /** A failed journey: why (from its row). */
  failure: string | null;
  startedAt: string;
  closedAt: string | null;
  url: string;
}

/** The earliest timer started and not yet fired or cancelled, from the journey's history. */
async function nextWakeUp(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<string | null> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const pending = new Map<string, number>();
  for (const e of history.events ?? []) {
    const started = e.timerStartedEventAttributes;
    if (started?.timerId) {
      const at =
        Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const ms =
        Number(started.startToFireTimeout?.seconds ?? 0) * 1000 +
        Math.floor((started.startToFireTimeout?.nanos ?? 0) / 1e6);
      pending.set(started.timerId, at + ms);
    }
    const done = e.timerFiredEventAttributes?.timerId ?? e.timerCanceledEventAttributes?.timerId;
    if (done) pending.delete(done);
  }
  const next = Math.min(...pending.values());
  return Number.isFinite(next) ? new Date(next).toISOString() : null;
}

/** Every journey of the contact, newest first: what Temporal's visibility and the journey know. */
export async function traceContact(
  deps: { db: Db; temporal: Client; config: Config },
  contactId: number,
): Promise<JourneyTrace[]> {
  const recorded = new Map(
    (await journeysOfContact(deps.db, contactId)).map((j) => [j.workflowId, j]),
  );
  const traces: JourneyTrace[] = [];
  for await (const execution of deps.temporal.workflow.list({
    query: `${CONTACT_ID.name} = "${contactId}"`,
  })) {
    const handle = deps.temporal.workflow.getHandle(execution.workflowId, execution.runId);
    const running = execution.status.name === 'RUNNING';
    let state: JourneyState | undefined;
    try {
      state = await handle.query(journeyQuery);
    } catch {
      // No worker to answer (stopped), or not a journey: show what visibility knows.
    }
    const row = recorded.get(execution.workflowId);
    const memo = (execution.memo ?? {}) as { campaign?: string };
    // A journey's workflow id is `<campaign id>/<contact>…` (journeyWorkflowId).
    const campaignId = row?.campaignId ?? execution.workflowId.split('/')[0]!;
    traces.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      campaign: memo.campaign ?? campaignId,
      campaignId,
      workflowType: execution.type,
      status: execution.status.name,
      holdout: row?.holdout ?? state?.holdout ?? null,
      definitionVersion: state?.definitionVersion ?? row?.definitionVersion ?? null,
      currentStep:
        state?.currentStep ??
        (execution.searchAttributes?.BoomerangStep?.[0] as string | undefined) ??
        null,
      steps: state?.steps ?? [],
      nextWakeUp: running
        ? await nextWakeUp(deps.temporal, execution.workflowId, execution.runId)
        : null,
      endReason: row?.endReason ?? state?.endReason ?? null,
      failure: row?.failure ?? null,
      startedAt: execution.startTime.toISOString(),
      closedAt: execution.closeTime?.toISOString() ?? null,
      url: workflowUiUrl(deps.config, execution.workflowId, execution.runId),
    });
  }
  return traces.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/**
 * A contact's journeys as Postgres recorded them, for when Temporal does not answer: each
 * journey's row (campaign, version, why it ended) and the nodes its events say it entered. Status
 * is `ENDED` where the row has an end and `NOT ENDED` otherwise (whether its workflow still runs,
 * and when it wakes up, only Temporal knows); the run id is not recorded.
 */
export async function traceContactFromDatabase(
  deps: { db: Db; config: Config },
  contactId: number,
): Promise<JourneyTrace[]> {
  const journeys = await journeysOfContact(deps.db, contactId);
  const steps = await stepsEntered(
    deps.db,
    journeys.map((j) => j.workflowId),
  );
  return journeys.map((j) => {
    const own = steps.filter((s) => s.workflowId === j.workflowId);
    return {
      workflowId: j.workflowId,
      runId: '',
      campaign: j.campaignId,
      campaignId: j.campaignId,
      workflowType: '',
      status: j.endedAt ? 'ENDED' : 'NOT ENDED',
      holdout: j.holdout,
      definitionVersion: j.definitionVersion,
      currentStep: j.endedAt ? 'end' : (own.at(-1)?.step ?? null),
      steps: own.map((s) => ({
        step: s.step,
        label: s.step,
        at: s.at.toISOString(),
        ...(s.arm === undefined ? {} : { arm: s.arm }),
        ...(s.definitionVersion === undefined ? {} : { definitionVersion: s.definitionVersion }),
      })),
      nextWakeUp: null,
      endReason: j.endReason,
      failure: j.failure,
      startedAt: j.enrolledAt.toISOString(),
      closedAt: j.endedAt?.toISOString() ?? null,
      url: workflowUiUrl(deps.config, j.workflowId),
    };
  });
}
