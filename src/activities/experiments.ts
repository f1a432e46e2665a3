/** The daily recompute's last stage: conclude the experiments that opted in, once decided. */
import { type ConcludedExperiment, concludeDecidedExperiments } from '../campaigns/experiments.js';
import type { ActivityDeps } from './index.js';

export function createExperimentActivities(deps: Pick<ActivityDeps, 'db' | 'config' | 'temporal'>) {
  return {
    /** Idempotent: a retry finds the experiments it concluded already concluded and leaves them. */
    async concludeDecidedExperiments(): Promise<{ concluded: ConcludedExperiment[] }> {
      return {
        concluded: await concludeDecidedExperiments(
          { db: deps.db, temporal: async () => deps.temporal },
          deps.config,
        ),
      };
    },
  };
}

export type ExperimentActivities = ReturnType<typeof createExperimentActivities>;
