/** Worker deployments (Worker Versioning): which version is current, and making one current. */
import { isGrpcServiceError, type Client } from '@temporalio/client';

// gRPC status codes (@grpc/grpc-js is only a transitive dependency).
const grpcStatus = { NOT_FOUND: 5, FAILED_PRECONDITION: 9 } as const;

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
