/**
 * Worker Versioning on the dev server: a journey started while version 1 is current stays pinned
 * to it after version 2 becomes current (its wake-up runs on version 1's worker), while a journey
 * started afterwards runs on version 2. The same worker options `npm start` uses with
 * BOOMERANG_WORKER_VERSIONING=pinned.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type LowClvCouponCampaign,
  parseCampaignDefinition,
} from '../../src/domain/campaigns/definition.js';
import { currentBuildId, setCurrentBuildId } from '../../src/temporal/deployments.js';
import { buildIdOf } from '../../src/temporal/deployments.js';
import type { WorkerVersion } from '../../src/worker.js';
import {
  journeyQuery,
  type JourneyResult,
  purchaseSignal,
} from '../../src/campaigns/journey-contract.js';
import { lowClvCouponJourney } from '../../src/workflows/low-clv-coupon.js';
import { runCli } from '../cli/support.js';
import { until } from '../support/processes.js';
import { createDevServerEnv, uniqueTaskQueue, workflowBundle } from '../support/temporal.js';
import { mockActivities } from '../workflows/journey-harness.js';

const campaign = parseCampaignDefinition({
  id: 'low-clv',
  name: 'Low CLV',
  kind: 'low_clv_coupon',
  couponSet: 'low-clv',
}) as LowClvCouponCampaign;

describe('worker versioning', () => {
  let env: TestWorkflowEnvironment;
  const running: { stop(): Promise<void> }[] = [];
  const taskQueue = uniqueTaskQueue('versioned');
  const deploymentName = `boomerang-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    env = await createDevServerEnv();
  }, 60_000);
  afterAll(async () => {
    for (const w of running) await w.stop();
    await env?.teardown();
  });

  /** Both workers (journeys and sends) of one version, with fake activities that record calls. */
  async function startVersion(buildId: string) {
    const version: WorkerVersion = { deploymentName, buildId, behavior: 'PINNED' };
    const mocks = mockActivities(env, {});
    const workerDeploymentOptions = {
      version: { deploymentName, buildId },
      useWorkerVersioning: true as const,
      defaultVersioningBehavior: version.behavior,
    };
    const workers = await Promise.all([
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: workflowBundle(),
        activities: mocks.journey,
        workerDeploymentOptions,
      }),
      Worker.create({
        connection: env.nativeConnection,
        taskQueue: `${taskQueue}-messages`,
        activities: mocks.messaging,
        workerDeploymentOptions,
      }),
    ]);
    const done = Promise.all(workers.map((w) => w.run()));
    running.push({
      async stop() {
        for (const w of workers) w.shutdown();
        await done.catch(() => {});
      },
    });
    return mocks;
  }

  /** Runs `fn` with the CLI pointed at the test server and deployment, and `extra` set. */
  async function withEnv<T>(extra: Record<string, string>, fn: () => Promise<T>): Promise<T> {
    const vars = {
      TEMPORAL_ADDRESS: env.address,
      BOOMERANG_DEPLOYMENT_NAME: deploymentName,
      ...extra,
    };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
      return await fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  async function versionOf(workflowId: string) {
    const { raw } = await env.client.workflow.getHandle(workflowId).describe();
    const info = raw.workflowExecutionInfo?.versioningInfo;
    return { buildId: info?.deploymentVersion?.buildId, behavior: info?.behavior };
  }

  it('keeps a sleeping journey on the version it started on while new journeys take the new one', async () => {
    const v1 = await startVersion('v1');
    await setCurrentBuildId(env.client, deploymentName, 'v1', { waitForPollersMs: 30_000 });
    const start = (id: string) =>
      env.client.workflow.start(lowClvCouponJourney, {
        taskQueue,
        workflowId: id,
        args: [{ campaign, contactId: 7 }],
      });
    const old = await start(`low-clv/${taskQueue}/old`);
    await until(
      async () => (await old.query(journeyQuery)).currentStep === 'wait',
      'the first journey asleep in its wait',
    );

    const v2 = await startVersion('v2');
    // `deploy set-current` checks the running journeys replay on this code, then promotes v2.
    const promoted = await withEnv({ BOOMERANG_BUILD_ID: 'v2' }, () =>
      until(
        async () => {
          const r = await runCli('postgres://localhost/unused', ['deploy', 'set-current', 'v2']);
          // The server learns of a version from its pollers: a just-started worker may be unknown.
          return r.code === 0 ? r : !/not found|no pollers|precondition/i.test(r.stderr) && r;
        },
        'version v2 made current',
        120_000,
      ),
    );
    expect(promoted.stderr).toBe('');
    expect(promoted.stdout).toContain('deploy check: 1 of 1 running workflows replay');
    expect(promoted.stdout).toContain(`${deploymentName}.v2 is now current (was v1;`);
    expect(await currentBuildId(env.client, deploymentName)).toBe('v2');
    const fresh = await start(`low-clv/${taskQueue}/new`);
    await until(
      async () => (await fresh.query(journeyQuery)).currentStep === 'wait',
      'the second journey asleep in its wait',
    );
    expect(await versionOf(old.workflowId)).toMatchObject({ buildId: 'v1' });
    expect(await versionOf(fresh.workflowId)).toMatchObject({ buildId: 'v2' });

    // The old journey wakes up on a purchase: version 1's worker runs the rest of it.
    await old.signal(purchaseSignal, {
      orderId: 'o-1',
      placedAt: new Date().toISOString(),
      total: 10,
      currency: 'EUR',
    });
    expect(((await old.result()) as JourneyResult).endReason).toBe('purchased');
    const ends = (mocks: typeof v1) => mocks.calls.filter((c) => c.name === 'endJourney').length;
    expect(ends(v1)).toBe(1);
    expect(ends(v2)).toBe(0);
    expect(v2.calls.some((c) => c.name === 'sendEmail')).toBe(true);
  }, 180_000);

  it('refuses to make a version current after checking other code than its own', async () => {
    const before = await currentBuildId(env.client, deploymentName);
    const setCurrent = (buildId: string) =>
      runCli('postgres://localhost/unused', ['deploy', 'set-current', buildId]);

    // A derived build id names its code: the working tree's bundle is another version.
    const derived = await withEnv({}, () => setCurrent('wf-000000000000'));
    expect(derived.code).toBe(1);
    expect(derived.stderr).toMatch(
      /not making wf-000000000000 current: the workflow code at src\/workflows\/index\.ts is version wf-[0-9a-f]{12}, so the check would replay the running workflows on other code/,
    );
    // The working tree says which version it is, as its workers do.
    const configured = await withEnv({ BOOMERANG_BUILD_ID: 'v9' }, () => setCurrent('v2'));
    expect(configured.code).toBe(1);
    expect(configured.stderr).toContain(
      'not making v2 current: the workflow code at src/workflows/index.ts is version v9 (BOOMERANG_BUILD_ID)',
    );
    expect(await currentBuildId(env.client, deploymentName)).toBe(before);
  }, 120_000);

  it('names a version after its workflow bundle by default', () => {
    expect(buildIdOf('code')).toMatch(/^wf-[0-9a-f]{12}$/);
    expect(buildIdOf('code')).toBe(buildIdOf('code'));
    expect(buildIdOf('code')).not.toBe(buildIdOf('other code'));
  });
});
