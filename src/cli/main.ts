/**
 * `boomerang`: the command line's entry point. Each command lives in its own file in src/cli/ and shares one context
 * (config, Temporal client, database). Exit codes: 0 ok, 1 failure, 2 bad usage (an unknown campaign id too).
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { UnknownCampaignError } from '../campaigns/admin.js';
import { registerCampaignCommands } from './campaign.js';
import { registerCampaignTestSend } from './campaign-test-send.js';
import { registerTemplateCommands } from './template.js';
import { registerContactCommands } from './contact.js';
import { registerDeployCommands } from './deploy.js';
import { CliContext, CliError } from './context.js';
import { registerCouponCommands } from './coupons.js';
import { registerEventCommands } from './event.js';
import { registerExperimentCommands } from './experiment.js';
import { registerGreetCommand } from './greet.js';
import { registerIndicatorCommands } from './indicators.js';
import { registerImportCommands } from './import.js';
import { registerInboxCommands } from './inbox.js';
import { registerMigrateCommand } from './migrate.js';
import { registerModelCommands } from './model.js';
import { registerReportCommands } from './report.js';
import { registerSegmentCommands } from './segment.js';
import { registerProvisionCommand } from './provision.js';
import { describeError } from '../main-helpers.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('boomerang')
    .description('E-commerce lifecycle campaigns as durable Temporal workflows')
    .showHelpAfterError()
    .exitOverride();
  registerGreetCommand(program, ctx);
  registerMigrateCommand(program, ctx);
  registerProvisionCommand(program, ctx);
  registerImportCommands(program, ctx);
  registerSegmentCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerCampaignCommands(program, ctx);
  registerCampaignTestSend(program, ctx);
  registerTemplateCommands(program, ctx);
  registerCouponCommands(program, ctx);
  registerIndicatorCommands(program, ctx);
  registerContactCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerInboxCommands(program, ctx);
  registerReportCommands(program, ctx);
  registerExperimentCommands(program, ctx);
  registerDeployCommands(program, ctx);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const ctx = new CliContext();
  process.exitCode = undefined;
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    // A command that finished but found problems (rejected rows) sets process.exitCode.
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    console.error(`boomerang: ${describeError(err)}`);
    if (err instanceof CliError) return err.exitCode;
    // A campaign id that names none is a bad argument, whichever command was given it.
    return err instanceof UnknownCampaignError ? 2 : 1;
  } finally {
    await ctx.close();
  }
}

/**
 * `boomerang … | head`: once the reader has gone, stop as `git log | head` does, quietly, instead of
 * dying on an unhandled EPIPE with a stack trace. For the command's own process only (bin/boomerang.js).
 */
export function stopQuietlyWhenOutputCloses(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stopQuietlyWhenOutputCloses();
  process.exitCode = await main(process.argv.slice(2));
}
