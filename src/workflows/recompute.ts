/**
 * The daily recompute (a Temporal Schedule, 01:00 UTC by default, as Connectif recomputes RFM):
 * refit the value models on the shop's orders, recompute every contact's indicators in batches,
 * refresh segment memberships, start the journeys of campaigns triggered by segment entry, and
 * conclude the flow experiments that asked to be once their report declares a winner.
 */
import {
  defineQuery,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { ExperimentActivities } from '../activities/experiments.js';
import type {
  FittedModels,
  IndicatorActivities,
  SegmentRefresh,
} from '../activities/indicators.js';

export interface RecomputeProgress {
  stage:
    'summarizing' | 'fitting' | 'computing' | 'segmenting' | 'triggering' | 'concluding' | 'done';
  contacts: number;
  models?: { bgnbd: FittedModels['bgnbd']; gammaGamma: FittedModels['gammaGamma'] };
  warnings: string[];
  segments: SegmentRefresh[];
  journeysStarted: number;
  /** Experiments with `autoConclude` concluded by this run: "campaign/node: arm". */
  experimentsConcluded?: string[];
}

/** Names the patch that adds the last stage, concluding decided experiments; older runs replay without it. */
export const CONCLUDE_DECIDED_EXPERIMENTS = 'conclude-decided-experiments';

export const recomputeProgressQuery = defineQuery<RecomputeProgress>('progress');

// Each stage reads or writes every contact: minutes on a large shop, so long timeouts, with
// heartbeats to notice a lost worker within two minutes.
const stages = proxyActivities<IndicatorActivities & ExperimentActivities>({
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
  progress.contacts = (await stages.summarizeContacts({ asOf })).contacts;

  stage('fitting', `BG/NBD and Gamma-Gamma on ${progress.contacts} customers`);
  const models = await stages.fitValueModels();
  progress.models = { bgnbd: models.bgnbd, gammaGamma: models.gammaGamma };
  progress.warnings.push(...models.warnings);

  stage('computing', 'probability alive, forecast purchases, CLV');
  await stages.computeValueIndicators(
    input.horizonDays === undefined ? { models } : { models, horizonDays: input.horizonDays },
  );
  await stages.publishIndicators({ asOf, models });

  stage('segmenting', 'refreshing segment memberships');
  progress.segments = await stages.refreshSegments({ at: asOf });

  if (input.startJourneys !== false) {
    stage('triggering', 'journeys of campaigns that start on segment entry');
    progress.journeysStarted = (
      await stages.startJourneysOnSegmentEntry({ refreshes: progress.segments })
    ).started;
    // Live data only, as the journeys just started: a winner is declared on today's figures.
    if (patched(CONCLUDE_DECIDED_EXPERIMENTS)) {
      stage('concluding', 'experiments that conclude themselves once a winner is declared');
      const { concluded } = await stages.concludeDecidedExperiments();
      progress.experimentsConcluded = concluded.map((c) => `${c.campaignId}/${c.node}: ${c.arm}`);
    }
  }

  stage('done', `${progress.contacts} customers, ${progress.journeysStarted} journeys started`);
  return progress;
}
