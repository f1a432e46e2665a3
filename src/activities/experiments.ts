/** The daily recompute's last stage: conclude the experiments that opted in, once decided. */
import type { Client } from '@temporalio/client';
import { type ConcludedExperiment, concludeDecidedExperiments } from '../campaigns/experiments.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';

export function createExperimentActivities(deps: { db: Db; config: Config; temporal: Client }) {
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
