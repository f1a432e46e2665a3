/**
 * The daily recompute (a Temporal Schedule, 01:00 UTC by default, as Connectif recomputes RFM):
 * refit the value models on the shop's orders, recompute every contact's indicators in batches,
 * refresh segment memberships, and start the journeys of campaigns triggered by segment entry.
 */
import { defineQuery, proxyActivities, setCurrentDetails, setHandler } from '@temporalio/workflow';
import type {
  FittedModels,
  IndicatorActivities,
  SegmentRefresh,
} from '../activities/indicators.js';

export interface RecomputeProgress {
  stage: 'summarizing' | 'fitting' | 'computing' | 'segmenting' | 'triggering' | 'done';
  contacts: number;
  models?: { bgnbd: FittedModels['bgnbd']; gammaGamma: FittedModels['gammaGamma'] };
  warnings: string[];
  segments: SegmentRefresh[];
  journeysStarted: number;
}

export const recomputeProgressQuery = defineQuery<RecomputeProgress>('progress');

const quick = proxyActivities<IndicatorActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes' },
});

export interface RecomputeInput {
  /** ISO instant to compute as of (orders placed before it count); default now. */
  asOf?: string;
  /** Forecast horizon of forecast purchases and CLV, in days; default 365. */
  horizonDays?: number;
  /**
   * False to skip starting segment-triggered journeys (a recompute as of a past instant would
   * message contacts on stale data). Absent means start them, as every run did before.
   */
  startJourneys?: boolean;
}

export async function recomputeIndicators(input: RecomputeInput = {}): Promise<RecomputeProgress> {
  const asOf = input.asOf ?? new Date().toISOString();
  const progress: RecomputeProgress = {
    stage: 'summarizing',
    contacts: 0,
    warnings: [],
    segments: [],
    journeysStarted: 0,
  };
  setHandler(recomputeProgressQuery, () => progress);
  const stage = (s: RecomputeProgress['stage'], detail: string) => {
    progress.stage = s;
    setCurrentDetails(`**${s}**: ${detail}`);
  };

  stage('summarizing', 'order summaries and RFM scores');
  progress.contacts = (await quick.summarizeContacts({ asOf })).contacts;

  stage('fitting', `BG/NBD and Gamma-Gamma on ${progress.contacts} customers`);
  const models = await quick.fitValueModels();
  progress.models = { bgnbd: models.bgnbd, gammaGamma: models.gammaGamma };
  progress.warnings.push(...models.warnings);

  stage('computing', 'probability alive, forecast purchases, CLV');
  await quick.computeValueIndicators(
    input.horizonDays === undefined ? { models } : { models, horizonDays: input.horizonDays },
  );
  await quick.publishIndicators({ asOf, models });

  stage('segmenting', 'refreshing segment memberships');
  progress.segments = await quick.refreshSegments({ at: asOf });

  if (input.startJourneys !== false) {
    stage('triggering', 'journeys of campaigns that start on segment entry');
    progress.journeysStarted = (
      await quick.startJourneysOnSegmentEntry({ refreshes: progress.segments })
    ).started;
  }

  stage('done', `${progress.contacts} customers, ${progress.journeysStarted} journeys started`);
  return progress;
}
