import type { Command } from 'commander';
import { migrateDatabase } from '../services/database.js';
import type { CliContext } from './context.js';

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const applied = await migrateDatabase(ctx.db());
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
    });
}
