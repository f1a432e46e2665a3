import type { Command } from 'commander';
import { resolveTemporalCli, resolveTestServer } from '../provision/tools.js';
import type { CliContext } from './context.js';

/** `boomerang provision` (also `npm run provision`): the Temporal binaries into the cache, ahead of time. */
export function registerProvisionCommand(program: Command, ctx: CliContext): void {
  program
    .command('provision')
    .description(
      'Provision the Temporal CLI and the time-skipping test server into the cache (done on demand otherwise)',
    )
    .action(async () => {
      const log = (m: string) => console.log(m);
      const { cacheDir, tools } = ctx.config;
      await resolveTemporalCli({
        cacheDir,
        explicitPath: tools.temporalCliPath,
        log,
        allowSdkDownload: false,
      });
      await resolveTestServer({
        cacheDir,
        explicitPath: tools.testServerPath,
        log,
        allowSdkDownload: false,
      });
    });
}
