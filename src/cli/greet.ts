/** `boomerang greet NAME`: the walking skeleton's journey, end to end. */
import type { Command } from 'commander';
import { workflowUiUrl } from '../config.js';
import { greetingWorkflow } from '../workflows/greeting.js';
import { type CliContext, printJson } from './context.js';

export function registerGreetCommand(program: Command, ctx: CliContext): void {
  program
    .command('greet')
    .description(
      'Run the walking-skeleton workflow: two greetings written to Postgres, a durable pause between them',
    )
    .argument('<name>', 'who to greet')
    .option(
      '--pause <duration>',
      'durable pause between the greetings (e.g. "5s", "1 minute")',
      '1 second',
    )
    .option('--no-wait', 'start the workflow and return without waiting for its result')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { pause: string; wait: boolean; json?: boolean }) => {
      const client = await ctx.temporal();
      const workflowId = `greeting/${name}/${Date.now()}`;
      const handle = await client.workflow.start(greetingWorkflow, {
        taskQueue: ctx.config.temporal.taskQueue,
        workflowId,
        args: [{ name, pause: opts.pause }],
      });
      const url = workflowUiUrl(ctx.config, workflowId, handle.firstExecutionRunId);
      const result = opts.wait ? await handle.result() : undefined;
      if (opts.json)
        return printJson({ workflowId, runId: handle.firstExecutionRunId, url, result });
      console.log(`started ${workflowId}`);
      if (result) console.log(result.messages.join('\n'));
      console.log(`see it in the Web UI: ${url}`);
    });
}
