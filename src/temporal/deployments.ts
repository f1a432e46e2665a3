/**
 * Worker deployments (Worker Versioning): the build id of a workflow bundle, which version is
 * current, and making one current.
 */
import { createHash } from 'node:crypto';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import { bundleWorkflowCode, Runtime } from '@temporalio/worker';

// gRPC status codes (@grpc/grpc-js is only a transitive dependency).
const grpcStatus = { NOT_FOUND: 5, FAILED_PRECONDITION: 9 } as const;

/** The build id a workflow bundle gets by default: the same code, the same version. */
export function buildIdOf(bundleCode: string): string {
  return `wf-${createHash('sha256').update(bundleCode).digest('hex').slice(0, 12)}`;
}

const DERIVED_BUILD_ID = /^wf-[0-9a-f]{12}$/;

/**
 * The workflow code at a path, bundled as a versioned worker bundles it (the worker and `deploy
 * set-current` share this, so one code gives them one build id), with the build id it gets:
 * `configured` (BOOMERANG_BUILD_ID) when set, else the bundle's own.
 */
export async function versionedBundle(
  workflowsPath: string,
  configured: string | undefined,
  logger: Logger = Runtime.instance().logger,
): Promise<{ code: string; buildId: string; configured: boolean }> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger });
  return { code, buildId: configured ?? buildIdOf(code), configured: configured !== undefined };
}

/**
 * Whether the code at hand is the version being made current, as far as can be told: a configured
 * build id must be it, and so must the bundle's own when the target is a derived one. A target of
 * the shop's own naming beside no configured id cannot be told (`undefined`).
 */
export function isBuildOf(
  target: string,
  code: { buildId: string; configured: boolean },
): boolean | undefined {
  if (code.configured || DERIVED_BUILD_ID.test(target)) return code.buildId === target;
  return undefined;
}

/** The current version's build id; null when the deployment has none (or does not exist yet). */
export async function currentBuildId(
  client: Client,
  deploymentName: string,
): Promise<string | null> {
  try {
    const response = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName,
    });
    return response.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || null;
  } catch (err) {
    if (isGrpcServiceError(err) && err.code === grpcStatus.NOT_FOUND) return null;
    throw err;
  }
}

/**
 * Makes a version current: new workflows start on it (and auto-upgrade ones move to it). The
 * server knows a version only once its workers polled, so a just-started worker is retried.
 */
export async function setCurrentBuildId(
  client: Client,
  deploymentName: string,
  buildId: string,
  opts: { waitForPollersMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.waitForPollersMs ?? 0);
  for (;;) {
    try {
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: client.options.namespace,
        deploymentName,
        buildId,
        identity: client.options.identity,
      });
      return;
    } catch (err) {
      const unknownYet =
        isGrpcServiceError(err) &&
        (err.code === grpcStatus.NOT_FOUND || err.code === grpcStatus.FAILED_PRECONDITION);
      if (!unknownYet || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
