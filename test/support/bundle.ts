/** Workflow code bundled for the tests, showing only the bundler's warnings and errors. */
import { bundleWorkflowCode } from '@temporalio/worker';

export function bundleWorkflowsQuietly(
  workflowsPath: string,
): ReturnType<typeof bundleWorkflowCode> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: {
      trace() {},
      debug() {},
      info() {},
      warn: console.warn,
      error: console.error,
    } as never,
  });
}
