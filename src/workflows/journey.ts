/**
 * What every campaign journey shares: the purchase and stop signals, the step-history query, the
 * step bookkeeping that makes a journey readable in the Web UI (search attribute, current details,
 * activity and timer summaries), and the ways a journey ends.
 */
import { msToNumber } from '../domain/duration.js';
import type { Duration } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CouponActivities } from '../activities/coupons.js';
import type { EnteredStep, JourneyActivities } from '../activities/journeys.js';
import type { MessagingActivities, SendResult } from '../activities/messaging.js';
import type { SendPressure } from '../domain/messages/pressure.js';
import type { CampaignBase, TemplateRef } from '../campaigns/kinds/common.js';
import type { Step } from '../campaigns/kinds/steps.js';
import { STEP } from '../domain/search-attributes.js';
import {
  type DefinitionUpdate,
  type EndReason,
  type JourneyCampaign,
  type JourneyInput,
  type JourneyResult,
  journeyQuery,
  messagesTaskQueue,
  type PurchaseEvent,
  purchaseSignal,
  type StepRecord,
  stopSignal,
  updateDefinitionSignal,
} from '../campaigns/journey-contract.js';

/** Names the patch that lets journeys take a definition update at their next node. */
export const ADOPT_DEFINITION_UPDATES = 'adopt-definition-updates';

/**
 * Names the patch under which the decision nodes (segment and purchase checks, coupon claims,
 * segment adds, contact windows) run as local activities and the step search attribute is set
 * once per pause rather than at every node: a journey then reaches its first email in two
 * workflow tasks instead of four, the server's share of a launch (bench/scale.ts).
 */
export const LOCAL_DECISION_NODES = 'local-decision-nodes';

/**
 * Names the patch under which a send carries its campaign's quiet hours and frequency-cap policy,
 * and a send told to come back later (quiet hours, a cap that delays) sleeps until then and sends
 * again. Journeys recorded before it send once, as they ran.
 */
export const QUIET_HOURS_AND_CAP_DELAY = 'quiet-hours-and-cap-delay';

/** A stop ends a journey waiting for its contact window at once, not when the window opens. */
export const STOP_ENDS_CONTACT_WINDOW_WAIT = 'stop-ends-contact-window-wait';

/**
 * Variables a journey adds to a send besides the coupon (a flow's checkout), read at each attempt
 * so a send held by quiet hours shows what is current when it goes; given the send's UTM tags.
 */
export type MoreVariables = (utm: {
  source: string;
  medium: string;
  campaign: string;
}) => Record<string, unknown>;

/** Thrown inside a journey to end it early with a reason; caught by runJourney. */
class JourneyEnd extends Error {
  constructor(readonly reason: EndReason) {
    super(reason);
  }
}

// Look-ups and claims take milliseconds; a worker that dies mid-activity is noticed within 30 s.
const activities = proxyActivities<JourneyActivities & CouponActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

// The same look-ups and claims run inside the workflow task: milliseconds of Postgres each.
const localDecisions = proxyLocalActivities<JourneyActivities & CouponActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const bookkeeping = proxyLocalActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Sends go to their own task queue, whose worker enforces the provider rate limit. */
function messaging() {
  return proxyActivities<MessagingActivities>({
    taskQueue: messagesTaskQueue(workflowInfo().taskQueue),
    // Provider calls answer in seconds (their clients time out sooner); a lost worker is noticed within 30 s.
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  });
}

export class Journey<C extends JourneyCampaign> {
  private current: C;
  private version: number;
  private pendingUpdate: DefinitionUpdate<C> | undefined;
  readonly contactId: number;
  readonly holdout: boolean;
  private readonly steps: StepRecord[] = [];
  private readonly purchases: PurchaseEvent[] = [];
  private stopped = false;
  /** Why a stopped journey ends: a campaign stop, or an event the flow exits on (endNow). */
  private stopReason: EndReason = 'campaign_stopped';
  /**
   * The starter sets BoomerangStep at start; only then does the server know the attribute (the
   * time-skipping test server knows no custom attributes). Decided from the start event: deterministic.
   */
  private readonly showStepInSearch = workflowInfo().typedSearchAttributes.get(STEP) !== undefined;
  private endReason: EndReason | undefined;
  /** Decided once, at the journey's first workflow task; journeys recorded before it replay as they ran. */
  private readonly decisions = patched(LOCAL_DECISION_NODES) ? localDecisions : activities;
  /**
   * With local decision nodes, the node just entered is written by the next activity (its
   * `entered`) or before the next pause, and shown in search at the pause: one activity a node.
   */
  private unrecorded: { record: EnteredStep; label: string } | undefined;
  private stepForSearch: string | undefined;
  couponCode: string | undefined;

  constructor(
    input: JourneyInput<C>,
    /** The campaign's step catalogue: a step's label follows the definition the journey runs under. */
    private readonly catalogue: (campaign: C) => Record<string, Step>,
  ) {
    this.current = input.campaign;
    this.version = input.definitionVersion ?? 1;
    this.contactId = input.contactId;
    this.holdout = input.holdout ?? false;
    setHandler(purchaseSignal, (purchase) => {
      this.purchases.push(purchase);
    });
    setHandler(stopSignal, () => {
      this.stopped = true;
    });
    setHandler(updateDefinitionSignal, (update) => {
      // The kind is checked before the signal is sent; checked again so a stray signal changes nothing.
      if (update.version <= this.version || update.campaign.kind !== this.current.kind) return;
      if (this.pendingUpdate && this.pendingUpdate.version >= update.version) return;
      this.pendingUpdate = update as unknown as DefinitionUpdate<C>;
    });
    setHandler(journeyQuery, () => ({
      campaignId: this.campaign.id,
      contactId: this.contactId,
      holdout: this.holdout,
      definitionVersion: this.version,
      pendingDefinitionVersion: this.pendingUpdate?.version,
      currentStep: this.steps.at(-1)?.step,
      steps: this.steps,
      purchases: this.purchases,
      endReason: this.endReason,
    }));
  }

  /** The definition the journey runs under: the one it started with, or a newer one it adopted. */
  get campaign(): C {
    return this.current;
  }

  get definitionVersion(): number {
    return this.version;
  }

  /**
   * Takes a pending definition update. Only at a node's entry, so a node runs under one version;
   * behind a patch, so a history recorded before journeys could adopt updates replays as it ran.
   */
  private adoptPendingUpdate(): void {
    if (!this.pendingUpdate || !patched(ADOPT_DEFINITION_UPDATES)) return;
    this.current = this.pendingUpdate.campaign;
    this.version = this.pendingUpdate.version;
    this.pendingUpdate = undefined;
  }

  /** `node` as the definition the journey runs under now describes it (its label may have changed). */
  private stepNow(node: Step): Step {
    return (
      Object.values(this.catalogue(this.current)).find(
        (s) => s.step === node.step && s.occurrence === node.occurrence,
      ) ?? node
    );
  }

  private get ref() {
    return { campaignId: this.campaign.id, contactId: this.contactId };
  }

  /** Enters a node of the seed's workflow: visible in the UI, the query, and the event log. */
  async enter(node: Step): Promise<Step> {
    if (this.stopped) throw new JourneyEnd(this.stopReason);
    this.adoptPendingUpdate();
    const entered = this.stepNow(node);
    const { step, label } = entered;
    const definitionVersion = this.version;
    this.steps.push({ step, label, at: new Date().toISOString(), definitionVersion });
    this.showInSearch(step);
    setCurrentDetails(`**${label}** (campaign version ${definitionVersion})`);
    const record = { ...this.ref, step, index: this.steps.length, definitionVersion };
    if (this.localNodes) {
      // A node passed without an activity (a purchase already signalled, a control-group coupon).
      await this.recordUnrecorded();
      this.unrecorded = { record, label };
    } else await this.recordStep(record, label);
    return entered;
  }

  private get localNodes(): boolean {
    return this.decisions === localDecisions;
  }

  private async recordStep(record: EnteredStep, label: string): Promise<void> {
    await bookkeeping.recordStep.executeWithOptions({ summary: `record step: ${label}` }, [record]);
  }

  private async recordUnrecorded(): Promise<void> {
    const pending = this.unrecorded;
    this.unrecorded = undefined;
    if (pending) await this.recordStep(pending.record, pending.label);
  }

  /** The entered node for the next activity to write, once. */
  private takeEntered(): { entered?: EnteredStep } {
    const pending = this.unrecorded;
    this.unrecorded = undefined;
    return pending ? { entered: pending.record } : {};
  }

  /** Before the journey waits on a timer: the node it waits at is written and shown now. */
  private async beforePause(): Promise<void> {
    await this.recordUnrecorded();
    this.showPendingStep();
  }

  /**
   * The step a journey is at, for the Web UI's search. With local decision nodes only the step it
   * pauses at is shown (showPendingStep before each pause): the steps it passes within one
   * workflow task would each cost the server a visibility update nobody could search in time.
   */
  private showInSearch(step: string): void {
    if (!this.showStepInSearch) return;
    if (this.localNodes) this.stepForSearch = step;
    else upsertSearchAttributes([{ key: STEP, value: step }]);
  }

  /** Before the journey waits on the server (a message, a timer). */
  private showPendingStep(): void {
    if (this.stepForSearch === undefined) return;
    upsertSearchAttributes([{ key: STEP, value: this.stepForSearch }]);
    this.stepForSearch = undefined;
  }

  private showEndInSearch(value: string): void {
    this.stepForSearch = undefined;
    if (this.showStepInSearch) upsertSearchAttributes([{ key: STEP, value }]);
  }

  /**
   * Ends the journey at once with `reason`, as a stop does: a wait under way returns, and the
   * journey ends before its next node. Called from a signal handler (an event the flow exits on).
   */
  endNow(reason: EndReason): void {
    if (this.stopped) return;
    this.stopReason = reason;
    this.stopped = true;
  }

  /** Writes what the node just entered did ("sent", "elapsed", an arm's name) to the query. */
  note(outcome: string): void {
    const last = this.steps.at(-1);
    if (last) last.outcome = outcome;
  }

  async enrol(): Promise<void> {
    await bookkeeping.recordEnrollment.executeWithOptions({ summary: 'enrol contact' }, [
      { ...this.ref, holdout: this.holdout, definitionVersion: this.version },
    ]);
  }

  /** "Is in segment": evaluated live against the contact's current data. */
  async isInSegment(segment: string): Promise<boolean> {
    const inSegment = await this.decisions.isInSegment.executeWithOptions(
      { summary: `is in segment "${segment}"?` },
      [{ contactId: this.contactId, segment, ...this.takeEntered() }],
    );
    this.note(inSegment ? 'yes' : 'no');
    return inSegment;
  }

  /**
   * "Wait": a durable timer that a purchase signal cuts short. Returns true if a purchase arrived.
   * A stop signal also ends the wait (and then the journey).
   */
  async waitUnlessPurchase(step: Step, length: (campaign: C) => Duration): Promise<boolean> {
    await this.enter(step);
    const duration = length(this.current);
    const startedAt = Date.now();
    await this.beforePause();
    const interrupted = await condition(
      () => this.stopped || this.purchasedSince(startedAt),
      duration,
    );
    if (this.stopped) throw new JourneyEnd(this.stopReason);
    this.note(interrupted ? 'purchase received' : 'elapsed');
    return interrupted;
  }

  /** A purchase signalled that was placed since `sinceMs` (an unreadable time counts as recent). */
  purchasedSince(sinceMs: number): boolean {
    return this.purchases.some(
      (p) => Date.parse(p.placedAt) >= sinceMs || Number.isNaN(Date.parse(p.placedAt)),
    );
  }

  /**
   * A flow's wait: a durable timer that `interruptedBy` (re-checked on every signal) cuts short,
   * noted as `interruption`; a stop ends it and the journey. Returns true if interrupted.
   */
  async waitUnless(
    step: Step,
    length: (campaign: C) => Duration,
    interruptedBy: () => boolean,
    interruption: string,
  ): Promise<boolean> {
    await this.enter(step);
    const duration = length(this.current);
    await this.beforePause();
    const interrupted = await condition(() => this.stopped || interruptedBy(), duration);
    if (this.stopped) throw new JourneyEnd(this.stopReason);
    this.note(interrupted ? interruption : 'elapsed');
    return interrupted;
  }

  /** "Has purchased more than 0 times in the last …": signals received, else the orders table. */
  async hasPurchased(step: Step, lookbackOf: (campaign: C) => Duration): Promise<boolean> {
    await this.enter(step);
    const lookback = lookbackOf(this.current);
    const since = Date.now() - msToNumber(lookback);
    const purchased =
      this.purchasedSince(since) ||
      (await this.decisions.hasPurchased.executeWithOptions(
        { summary: `orders since ${new Date(since).toISOString()}?` },
        [
          {
            contactId: this.contactId,
            since: new Date(since).toISOString(),
            ...this.takeEntered(),
          },
        ],
      ));
    this.note(purchased ? 'yes' : 'no');
    return purchased;
  }

  /** "Assign coupon": the same step always gets the same code; an empty pool ends the journey. */
  async assignCoupon(
    step: Step,
    couponOf: (campaign: C) => { couponSet: string; validFor?: string },
  ): Promise<{ code: string; expiresAt: string | null } | undefined> {
    await this.enter(step);
    const { couponSet, validFor } = couponOf(this.current);
    if (this.holdout) {
      this.note('skipped: control group');
      return undefined;
    }
    try {
      const coupon = await this.decisions.assignCoupon.executeWithOptions(
        { summary: `assign coupon from "${couponSet}"` },
        [{ step: `coupon:${couponSet}`, ...this.ref, couponSet, validFor, ...this.takeEntered() }],
      );
      this.couponCode = coupon.code;
      this.note(coupon.code);
      return coupon;
    } catch (err) {
      // A local activity's failure reaches the workflow unwrapped, a remote one's as its cause.
      const failure = err instanceof ActivityFailure ? err.cause : err;
      if (failure instanceof ApplicationFailure && failure.type === 'CouponPoolExhausted') {
        throw new JourneyEnd('coupon_pool_exhausted');
      }
      throw err;
    }
  }

  private variables(
    coupon: { code: string; expiresAt: string | null } | undefined,
  ): Record<string, unknown> {
    return coupon ? { coupon: { code: coupon.code, expires_at: coupon.expiresAt } } : {};
  }

  private utm() {
    return {
      source: this.campaign.utm.source,
      medium: this.campaign.utm.medium,
      campaign: this.campaign.utm.campaign ?? this.campaign.id,
    };
  }

  /**
   * "Send email" (newsletter type). A contact who cannot receive it (unsubscribed, no address)
   * ends the journey: nothing more would reach them. A frequency-capped send is skipped (or waits
   * for a free slot, as the campaign says) and the journey goes on.
   */
  async sendEmail(
    node: Step,
    templateOf: (campaign: C) => TemplateRef,
    coupon?: { code: string; expiresAt: string | null },
    more?: MoreVariables,
  ): Promise<SendResult | undefined> {
    const result = await this.send('email', node, templateOf, coupon, more);
    if (
      result.outcome === 'skipped' &&
      ['unsubscribed', 'not_subscribed', 'no_email', 'contact_not_found'].includes(result.reason)
    ) {
      throw new JourneyEnd(result.reason as EndReason);
    }
    return result;
  }

  /** "Send SMS": only with an E.164 phone and SMS consent; otherwise skipped with the reason. */
  async sendSms(
    node: Step,
    templateOf: (campaign: C) => TemplateRef,
    coupon?: { code: string; expiresAt: string | null },
    more?: MoreVariables,
  ): Promise<SendResult | undefined> {
    return this.send('sms', node, templateOf, coupon, more);
  }

  /**
   * Enters a message node and sends through the messages queue. A control-group contact goes
   * through the same checks (consent ends its journey too), but the message is withheld.
   */
  private async send(
    channel: 'email' | 'sms',
    node: Step,
    templateOf: (campaign: C) => TemplateRef,
    coupon: { code: string; expiresAt: string | null } | undefined,
    more?: MoreVariables,
  ): Promise<SendResult> {
    const { step, label } = await this.enter(node);
    const template = templateOf(this.current);
    const utm = this.utm();
    const channelUtm = channel === 'email' ? utm : { ...utm, medium: 'sms' };
    const activity = channel === 'email' ? messaging().sendEmail : messaging().sendSms;
    const pressure = patched(QUIET_HOURS_AND_CAP_DELAY) ? this.pressure(channel) : undefined;
    const attempt = async () => {
      this.showPendingStep();
      return activity.executeWithOptions(
        { summary: this.holdout ? `${label} (withheld: control group)` : label },
        [
          {
            step,
            ...this.ref,
            template,
            variables: { ...this.variables(coupon), ...more?.(channelUtm) },
            utm: channelUtm,
            category: 'marketing',
            ...(this.holdout ? { withhold: true } : {}),
            ...(pressure ? { pressure } : {}),
            ...this.takeEntered(),
          },
        ],
      );
    };
    let result = await attempt();
    // Each wake-up time is computed by the send (quiet hours end, the cap frees a slot): no polling.
    while (pressure && result.outcome === 'skipped' && result.retryAt !== undefined) {
      await this.waitToSendAgain(label, result.reason, result.retryAt);
      result = await attempt();
    }
    this.note(
      result.outcome === 'sent'
        ? 'sent'
        : result.reason === 'holdout'
          ? 'skipped: control group'
          : `skipped: ${result.reason}`,
    );
    return result;
  }

  /** The campaign's quiet hours and cap policy for one send; the delay limit counts from now. */
  private pressure(channel: 'email' | 'sms'): SendPressure {
    const { quietHours, frequencyCap } = this.current as Partial<
      Pick<CampaignBase, 'quietHours' | 'frequencyCap'>
    >;
    const sendHours = quietHours?.[channel];
    return {
      ...(sendHours === undefined ? {} : { sendHours }),
      whenQuiet: quietHours?.whenQuiet ?? 'wait',
      whenCapped: frequencyCap?.whenCapped ?? 'drop',
      priority: frequencyCap?.priority ?? 0,
      ...(frequencyCap?.whenCapped === 'delay'
        ? {
            delayUntil: new Date(Date.now() + msToNumber(frequencyCap.delayUpTo)).toISOString(),
          }
        : {}),
    };
  }

  /**
   * A send held by quiet hours or the frequency cap: a durable timer until the time the send gave,
   * shown in the query (so `contact trace`), the Web UI's details and the timer's summary.
   */
  private async waitToSendAgain(label: string, reason: string, retryAt: string): Promise<void> {
    const why = reason === 'quiet_hours' ? 'quiet hours' : 'frequency cap';
    this.note(`waiting: ${why} until ${retryAt}`);
    setCurrentDetails(`**${label}**: waiting (${why}) until ${retryAt}`);
    await this.beforePause();
    const delay = Date.parse(retryAt) - Date.now();
    if (delay > 0) await this.sleepUnlessStopped(delay, `${label}: ${why} until ${retryAt}`);
    if (this.stopped) throw new JourneyEnd(this.stopReason);
  }

  /**
   * A durable timer (shown with its summary in the Web UI) that a stop cuts short, as it cuts the
   * journey's other waits; the caller ends the journey when `stopped` is set.
   */
  private async sleepUnlessStopped(delay: number, summary: string): Promise<void> {
    await CancellationScope.cancellable(async () => {
      let fired = false;
      const timer = sleep(delay, { summary }).then(() => {
        fired = true;
      });
      await condition(() => fired || this.stopped);
      if (fired) return;
      CancellationScope.current().cancel();
      await timer.catch(() => undefined);
    });
  }

  /** "Add customer into segment". */
  async addToSegment(step: Step, segment: string): Promise<void> {
    await this.enter(step);
    await this.decisions.addToSegment.executeWithOptions(
      { summary: `add to segment "${segment}"` },
      [{ contactId: this.contactId, segment, ...this.takeEntered() }],
    );
  }

  /** "Waiting for time range": sleeps until the contact window opens in the contact's time zone. */
  async waitForContactWindow(
    step: Step,
    window: NonNullable<CampaignBase['contactWindow']>,
  ): Promise<void> {
    await this.enter(step);
    const opensAt = await this.decisions.nextContactWindow.executeWithOptions(
      { summary: 'next contact window' },
      [{ contactId: this.contactId, window, now: new Date().toISOString(), ...this.takeEntered() }],
    );
    const delay = Date.parse(opensAt) - Date.now();
    if (delay > 0) {
      await this.beforePause();
      const summary = `contact window opens ${opensAt}`;
      // Journeys started before it slept through a stop until the window opened.
      if (patched(STOP_ENDS_CONTACT_WINDOW_WAIT)) {
        await this.sleepUnlessStopped(delay, summary);
        if (this.stopped) throw new JourneyEnd(this.stopReason);
      } else await sleep(delay, { summary });
    }
    this.note(delay > 0 ? `waited until ${opensAt}` : 'already open');
  }

  async end(reason: EndReason): Promise<JourneyResult> {
    this.endReason = reason;
    this.steps.push({
      step: 'end',
      label: `end: ${reason}`,
      at: new Date().toISOString(),
      definitionVersion: this.version,
    });
    this.showEndInSearch(`end:${reason}`);
    setCurrentDetails(`**ended**: ${reason}`);
    await bookkeeping.endJourney.executeWithOptions({ summary: `end: ${reason}` }, [
      { ...this.ref, reason, ...this.takeEntered() },
    ]);
    return { endReason: reason, steps: this.steps, couponCode: this.couponCode };
  }

  /**
   * The journey is failing: its row and the query say so and why, then the caller raises the
   * failure. Not cancellable, so a cancelled journey is recorded too.
   */
  async fail(err: unknown): Promise<void> {
    const message = failureMessage(err);
    this.endReason = 'failed';
    this.steps.push({
      step: 'end',
      label: `failed: ${message}`,
      at: new Date().toISOString(),
      definitionVersion: this.version,
    });
    this.showEndInSearch('end:failed');
    setCurrentDetails(`**failed**: ${message}`);
    await CancellationScope.nonCancellable(() =>
      bookkeeping.failJourney.executeWithOptions({ summary: 'record failure' }, [
        { ...this.ref, error: message, ...this.takeEntered() },
      ]),
    );
  }
}

/** The error and its causes in one line ("Activity task failed: no email template named …"). */
function failureMessage(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    const message = e instanceof Error ? e.message : String(e);
    if (message && !parts.includes(message)) parts.push(message);
  }
  return parts.join(': ') || 'unknown error';
}

/** Runs a journey body: enrols the contact, and turns early endings into a recorded reason. */
export async function runJourney<C extends JourneyCampaign, S extends Record<string, Step>>(
  input: JourneyInput<C>,
  catalogue: (campaign: C) => S,
  body: (journey: Journey<C>, steps: S) => Promise<EndReason>,
): Promise<JourneyResult> {
  const journey = new Journey(input, catalogue);
  await journey.enrol();
  let reason: EndReason;
  try {
    reason = await body(journey, catalogue(input.campaign));
  } catch (err) {
    if (err instanceof JourneyEnd) reason = err.reason;
    else {
      // Only a TemporalFailure fails the workflow; another error fails the workflow task, which
      // Temporal retries (a bug a deploy can fix), so the journey is not over. Histories recorded
      // before this patch failed without a record; they replay unchanged.
      if (err instanceof TemporalFailure && patched('record-journey-failure'))
        await journey.fail(err);
      throw err;
    }
  }
  return journey.end(reason);
}
