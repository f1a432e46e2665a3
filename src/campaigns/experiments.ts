/**
 * Acting on an experiment: `experiment conclude` saves the campaign's next definition version with
 * the winning arm as the experiment's `winner`. Journeys started from then on take that arm at the
 * node; running journeys keep the version they run, and with it their own arm (`--running keep`).
 * The daily recompute concludes, the same way, the experiments that opted in to it (`autoConclude`)
 * once the report declares a winner.
 */
import type { Client } from '@temporalio/client';
import { getCampaign, listCampaigns } from '../db/campaigns.js';
import type { Db } from '../db/database.js';
import type { FlowCampaign } from '../domain/flows/definition.js';
import {
  concludedFlow,
  flowExperiments,
  NotAnExperimentError,
} from '../domain/flows/experiments.js';
import { parseReportOptions } from '../reports/options.js';
import { buildReport, type ReportConfig } from '../reports/report.js';
import { updateCampaign } from './update.js';

export interface ConcludedExperiment {
  campaignId: string;
  node: string;
  arm: string;
  /** The version new journeys start with; the same as before when it was concluded so already. */
  version: number;
  previousVersion: number;
  /** Running journeys, which keep the version they run and the arm they took. */
  running: number;
}

export async function concludeExperiment(
  deps: { db: Db; temporal: () => Promise<Client> },
  campaignId: string,
  node: string,
  arm: string,
): Promise<ConcludedExperiment> {
  const stored = await getCampaign(deps.db, campaignId);
  if ((stored.definition.kind as string) !== 'flow')
    throw new NotAnExperimentError(campaignId, node, []);
  const flow = concludedFlow(stored.definition as unknown as FlowCampaign, node, arm);
  const update = await updateCampaign(deps, campaignId, flow, 'keep');
  return {
    campaignId,
    node,
    arm,
    version: update.version,
    previousVersion: update.previousVersion,
    running: update.running,
  };
}

/**
 * Concludes every experiment with `autoConclude` whose report declares a winner and that is not
 * concluded yet (active campaigns only). Run once a day, after the recompute.
 */
export async function concludeDecidedExperiments(
  deps: { db: Db; temporal: () => Promise<Client> },
  config: ReportConfig,
  now = new Date(),
): Promise<ConcludedExperiment[]> {
  const flows = (await listCampaigns(deps.db)).filter(
    (c) =>
      (c.definition.kind as string) === 'flow' &&
      c.status === 'active' &&
      flowExperiments(c.definition as unknown as FlowCampaign).some(
        (e) => e.settings.autoConclude && e.settings.winner === undefined,
      ),
  );
  const concluded: ConcludedExperiment[] = [];
  for (const { definition } of flows) {
    const report = await buildReport(deps.db, config, {
      ...parseReportOptions({ campaign: definition.id }, now),
      now,
    });
    for (const experiment of report.campaigns[0]?.experiments ?? []) {
      const winner = experiment.decision.winner;
      if (!experiment.autoConclude || experiment.concludedFor !== null || winner === null) continue;
      concluded.push(await concludeExperiment(deps, definition.id, experiment.node, winner));
    }
  }
  return concluded;
}
