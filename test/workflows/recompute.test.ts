/**
 * The recompute workflow's branching on the time-skipping server, with typed activity mocks: the
 * horizon reaches the forecast activity, and a recompute as of a past instant starts journeys
 * (and concludes decided experiments) only when asked to.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExperimentActivities } from '../../src/activities/experiments.js';
import type { FittedModels, IndicatorActivities } from '../../src/activities/indicators.js';
import { recomputeIndicators, type RecomputeInput } from '../../src/workflows/recompute.js';
import { createTimeSkippingEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';

const MODELS: FittedModels = {
  bgnbd: { id: 1, params: { r: 0.24, alpha: 31, a: 0.79, b: 2.4 } },
  gammaGamma: null,
  warnings: [],
};

function mockActivities() {
  return {
    summarizeContacts: vi.fn(async () => ({ contacts: 3 })),
    fitValueModels: vi.fn(async () => MODELS),
    computeValueIndicators: vi.fn(async () => ({ histories: 2 })),
    publishIndicators: vi.fn(async () => ({ contacts: 3 })),
    refreshSegments: vi.fn(async (input: { at: string }) => [
      { segment: "Can't lose them", segmentId: 1, at: input.at, entered: 2, exited: 0 },
    ]),
    startJourneysOnSegmentEntry: vi.fn(async () => ({ started: 2, alreadyEnrolled: 0 })),
    concludeDecidedExperiments: vi.fn(async () => ({
      concluded: [{ campaignId: 'offers', node: 'pick', arm: 'b' }],
    })),
  } satisfies Partial<Record<keyof (IndicatorActivities & ExperimentActivities), unknown>>;
}

describe('recomputeIndicators', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function run(input: RecomputeInput) {
    const activities = mockActivities();
    const taskQueue = uniqueTaskQueue();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(recomputeIndicators, {
        taskQueue,
        workflowId: `recompute/${taskQueue}`,
        args: [input],
      }),
    );
    return { result, activities };
  }

  it('as of now: forecasts over the default horizon and starts segment-triggered journeys', async () => {
    const { result, activities } = await run({});
    expect(activities.computeValueIndicators).toHaveBeenCalledWith({ models: MODELS });
    expect(activities.startJourneysOnSegmentEntry).toHaveBeenCalledTimes(1);
    expect(result.journeysStarted).toBe(2);
    expect(result.experimentsConcluded).toEqual(['offers/pick: b']);
  });

  it('as of a past instant: the horizon asked for, and no journeys unless asked', async () => {
    const past = { asOf: '2025-06-01T00:00:00.000Z', horizonDays: 90 };
    const quiet = await run({ ...past, startJourneys: false });
    expect(quiet.activities.computeValueIndicators).toHaveBeenCalledWith({
      models: MODELS,
      horizonDays: 90,
    });
    expect(quiet.activities.refreshSegments).toHaveBeenCalledWith({ at: past.asOf });
    expect(quiet.activities.startJourneysOnSegmentEntry).not.toHaveBeenCalled();
    expect(quiet.result.journeysStarted).toBe(0);
    // Nor does it conclude experiments on figures of the past.
    expect(quiet.activities.concludeDecidedExperiments).not.toHaveBeenCalled();

    const asked = await run({ ...past, startJourneys: true });
    expect(asked.activities.startJourneysOnSegmentEntry).toHaveBeenCalledTimes(1);
    expect(asked.result.journeysStarted).toBe(2);
  });
});
