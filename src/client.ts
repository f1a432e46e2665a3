/**
 * `boomerang`: the client command line. Each command lives in src/cli/ and shares one context
 * (config, Temporal client, database). Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliContext, CliError } from './cli/context.js';
import { registerCampaignCommands } from './cli/campaign.js';
import { registerContactCommands } from './cli/contact.js';
import { registerDeployCommands } from './cli/deploy.js';
import { registerCouponCommands } from './cli/coupons.js';
import { registerEventCommands } from './cli/event.js';
import { registerGreetCommand } from './cli/greet.js';
import { registerIndicatorCommands } from './cli/indicators.js';
import { registerImportCommands } from './cli/import.js';
import { registerInboxCommands } from './cli/inbox.js';
import { registerMigrateCommand } from './cli/migrate.js';
import { registerModelCommands } from './cli/model.js';
import { registerReportCommands } from './cli/report.js';
import { registerSegmentCommands } from './cli/segment.js';
import { registerToolsCommand } from './cli/tools.js';
import { describeError } from './main-helpers.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('boomerang')
    .description('E-commerce lifecycle campaigns as durable Temporal workflows')
    .showHelpAfterError()
    .exitOverride();
  registerGreetCommand(program, ctx);
  registerMigrateCommand(program, ctx);
  registerToolsCommand(program, ctx);
  registerImportCommands(program, ctx);
  registerSegmentCommands(program, ctx);
  registerModelCommands(program);
  registerCampaignCommands(program, ctx);
  registerCouponCommands(program, ctx);
  registerIndicatorCommands(program, ctx);
  registerContactCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerInboxCommands(program, ctx);
  registerReportCommands(program, ctx);
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
    return err instanceof CliError ? err.exitCode : 1;
  } finally {
    await ctx.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
