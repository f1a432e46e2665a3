/**
 * The real worker (src/worker.ts runWorker) with one test-only addition: activities named in
 * HOLD_AFTER pause HOLD_MS after their side effect, before reporting completion, and print a line.
 * A SIGKILL in that pause is the worst moment for a crash: the effect happened, Temporal does not
 * know, and the activity will run again.
 */
import { Context } from '@temporalio/activity';
import { loadConfig } from '../../src/config.js';
import { runMain } from '../../src/main-helpers.js';
import { runWorker } from '../../src/worker.js';

const hold = new Set((process.env.HOLD_AFTER ?? '').split(',').filter(Boolean));
const holdMs = Number(process.env.HOLD_MS ?? 5000);

runMain('crash-worker', () =>
  runWorker(loadConfig(), {
    overrides: {
      interceptors: {
        activity: [
          () => ({
            inbound: {
              async execute(input, next) {
                const result = await next(input);
                const info = Context.current().info;
                if (hold.has(info.activityType)) {
                  console.log(
                    `holding after ${info.activityType} (attempt ${info.attempt}) of ${info.workflowExecution?.workflowId}`,
                  );
                  await new Promise((r) => setTimeout(r, holdMs));
                }
                return result;
              },
            },
          }),
        ],
      },
    },
  }),
);
