/**
 * `boomerang`: the client command line. Each command lives in src/cli/ and shares one context
 * (config, Temporal client, database). Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliContext, CliError } from './cli/context.js';
import { registerGreetCommand } from './cli/greet.js';
import { registerMigrateCommand } from './cli/migrate.js';
import { registerModelCommands } from './cli/model.js';
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
  registerModelCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const ctx = new CliContext();
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return 0;
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
