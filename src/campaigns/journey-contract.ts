/**
 * What the outside world may know of a campaign journey: its input and result,
 * the purchase, stop and definition-update signals and the `journey` query. Starters, the CLI and the inbox import
 * this module; only the workflows import `workflows/journey.ts`. It is bundled into workflow code,
 * so it imports nothing but `@temporalio/workflow` and types.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CampaignBase } from './kinds/common.js';
import type { CampaignDefinition } from './kinds/registry.js';

/** The task queue of the sends: journeys put them there, its worker enforces the provider rate limit. */
export function messagesTaskQueue(journeyTaskQueue: string): string {
  return `${journeyTaskQueue}-messages`;
}

/**
 * The task queue of the control workflows (campaign launch, indicator recompute). They start
 * thousands of journeys, so their workflow tasks must not wait behind the journeys' own: with tens
 * of thousands of journeys on one queue, a launch's next batch waited 13 minutes for its turn.
 */
export function controlTaskQueue(journeyTaskQueue: string): string {
  return `${journeyTaskQueue}-control`;
}

/** A purchase reported by the store while the journey runs. */
export interface PurchaseEvent {
  orderId: string;
  placedAt: string;
  total: number;
  currency: string;
}

/** What the journey helper reads of any campaign, coded kind or flow: its id, kind and UTM tags. */
export type JourneyCampaign = Pick<CampaignBase, 'id' | 'utm' | 'kind'>;

export interface JourneyInput<C extends JourneyCampaign = CampaignDefinition> {
  campaign: C;
  contactId: number;
  /** Control group: enrolled and measured like everyone, but sent nothing. */
  holdout?: boolean;
  /** The version of `campaign` (campaign_versions); journeys started before versions existed ran version 1. */
  definitionVersion?: number;
}

/** A newer version of the campaign's definition, to be taken at the journey's next node. */
export interface DefinitionUpdate<C extends JourneyCampaign = CampaignDefinition> {
  version: number;
  campaign: C;
}

export type EndReason =
  | 'completed'
  | 'not_in_segment'
  | 'left_segment'
  | 'purchased'
  | 'coupon_pool_exhausted'
  | 'unsubscribed'
  | 'not_subscribed'
  | 'no_email'
  | 'contact_not_found'
  | 'campaign_stopped'
  /** Recorded only: the workflow itself fails (and its result is that failure). */
  | 'failed';

export interface StepRecord {
  step: string;
  label: string;
  at: string;
  outcome?: string;
  /** The experiment arm this step took (a split, a send's template variant). */
  arm?: string;
  /** The campaign definition version this step ran under. */
  definitionVersion: number;
}

export interface JourneyResult {
  endReason: EndReason;
  steps: StepRecord[];
  couponCode?: string;
}

export interface JourneyState {
  campaignId: string;
  contactId: number;
  holdout: boolean;
  /** The definition version the journey runs under now (steps keep the one they ran under). */
  definitionVersion: number;
  /** A newer version received, to be taken at the next node. */
  pendingDefinitionVersion?: number;
  currentStep: string | undefined;
  steps: StepRecord[];
  purchases: PurchaseEvent[];
  endReason?: EndReason;
}

/** A store or custom event: the one a flow journey started on, or one signalled while it runs. */
export interface FlowEvent {
  name: string;
  properties?: Record<string, unknown>;
  occurredAt?: string;
}

export const purchaseSignal = defineSignal<[PurchaseEvent]>('purchase');
/** A store or custom event for a running flow journey: waits until an event of its name end. */
export const flowEventSignal = defineSignal<[FlowEvent]>('flowEvent');
export const stopSignal = defineSignal<[{ reason?: string }]>('stop');
export const journeyQuery = defineQuery<JourneyState>('journey');
/** Sent by `boomerang campaign update --running adopt`; older or equal versions are ignored. */
export const updateDefinitionSignal =
  defineSignal<[DefinitionUpdate<CampaignBase>]>('updateDefinition');
