/** `boomerang deploy check`: would the working tree's workflow code replay the running journeys? */
import path from 'node:path';
import type { Command } from 'commander';
import { dataConverterFor } from '../temporal/codec.js';
import { deployCheck, type DeployCheckResult } from '../temporal/deploy-check.js';
import {
  currentBuildId,
  isBuildOf,
  setCurrentBuildId,
  versionedBundle,
} from '../temporal/deployments.js';
import { commandLogger, installCommandRuntime } from '../temporal/quiet-logger.js';
import { WORKFLOWS_PATH } from '../worker.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable } from './format.js';

const count = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(`${name}: must be a whole number ≥ 0, not "${v}"`, 2);
  return n;
};

/** A workflow type, and for a flow journey the flow it runs: `flowJourney (checkout-nudge)`. */
const typeText = (g: { workflowType: string; campaign: string | null }) =>
  g.campaign ? `${g.workflowType} (${g.campaign})` : g.workflowType;

function printFailures(result: DeployCheckResult): void {
  console.log(`${result.failures.length} would fail after the deploy:`);
  for (const f of result.failures)
    console.log(`  ${f.workflowId} (${typeText(f)}, step ${f.step ?? '?'}): ${f.mismatch}`);
}

export function registerDeployCommands(program: Command, ctx: CliContext): void {
  const deploy = program.command('deploy').description('Checks before deploying new workflow code');

  deploy
    .command('check')
    .description(
      "Replay the histories of running workflows against this working tree's workflow code; exit 1 if any would fail (non-determinism)",
    )
    .option(
      '--workflows <path>',
      'workflow code to check (a module exporting every workflow)',
      WORKFLOWS_PATH,
    )
    .option(
      '--all-below <n>',
      'check every running workflow when there are at most n',
      count('--all-below'),
      1000,
    )
    .option(
      '--per-step <n>',
      'otherwise check n per workflow type (per flow, for flow journeys) and current step',
      count('--per-step'),
      20,
    )
    .option(
      '--query <visibility query>',
      'only running workflows matching this, e.g. \'WorkflowType = "lowClvCouponJourney"\'',
    )
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        workflows: string;
        allBelow: number;
        perStep: number;
        query?: string;
        json?: boolean;
      }) => {
        const result = await deployCheck({
          client: await ctx.temporal(),
          beforeReplay: installCommandRuntime,
          workflows: { workflowsPath: path.resolve(opts.workflows) },
          dataConverter: dataConverterFor(ctx.config.payloadEncryptionKey),
          allBelow: opts.allBelow,
          perStep: opts.perStep,
          query: opts.query,
        });
        if (result.failures.length > 0) process.exitCode = 1;
        if (opts.json) return printJson({ ok: result.failures.length === 0, ...result });
        console.log(
          `${result.checked} of ${result.running} running workflows replayed against ${path.relative(process.cwd(), path.resolve(opts.workflows)) || opts.workflows}${result.sampled ? ` (a sample of ${opts.perStep} per type and step)` : ''}`,
        );
        if (result.groups.length)
          console.log(
            formatTable(
              ['workflow type', 'step', 'running', 'checked'],
              result.groups.map((g) => [
                typeText(g),
                g.step ?? '',
                String(g.running),
                String(g.checked),
              ]),
            ),
          );
        if (result.failures.length === 0)
          return console.log('ok: every checked workflow replays on this code');
        printFailures(result);
        console.log(
          'Guard the change with patched() (see README "Deploying new code"), or keep running journeys on the old code with worker versioning.',
        );
      },
    );

  deploy
    .command('set-current')
    .description(
      'Worker Versioning: make a worker version current (new workflows start on it; auto-upgrade ones move to it), after deploy check passes',
    )
    .argument('<build-id>', 'the build id the new workers print at start')
    .option(
      '--workflows <path>',
      "workflow code of that version, for the check (must be that version's: its build id is checked)",
      WORKFLOWS_PATH,
    )
    .option(
      '--force',
      'skip the check (running workflows are pinned, or the failures are understood)',
    )
    .action(async (buildId: string, opts: { workflows: string; force?: boolean }) => {
      const { deploymentName } = ctx.config.workerVersioning;
      if (!opts.force) {
        const workflowsPath = path.resolve(opts.workflows);
        const shown = path.relative(process.cwd(), workflowsPath) || opts.workflows;
        // The check says something only about the code it replays: that must be the new version's.
        const code = await versionedBundle(
          workflowsPath,
          ctx.config.workerVersioning.buildId,
          commandLogger(),
        );
        const same = isBuildOf(buildId, code);
        if (same === false)
          throw new CliError(
            `not making ${buildId} current: the workflow code at ${shown} is version ${code.buildId}${code.configured ? ' (BOOMERANG_BUILD_ID)' : ''}, so the check would replay the running workflows on other code. Run this where ${buildId}'s worker runs, or point --workflows at its code (--force skips the check)`,
          );
        if (same === undefined)
          console.log(
            `note: checking ${shown} (version ${code.buildId}) as ${buildId}'s code; set BOOMERANG_BUILD_ID=${buildId} as its workers have it to have that checked`,
          );
        const result = await deployCheck({
          client: await ctx.temporal(),
          beforeReplay: installCommandRuntime,
          workflows: { workflowBundle: { code: code.code } },
          dataConverter: dataConverterFor(ctx.config.payloadEncryptionKey),
          allBelow: 1000,
          perStep: 20,
        });
        if (result.failures.length > 0) {
          printFailures(result);
          throw new CliError(
            `not making ${buildId} current: running workflows would fail on it (--force if they are pinned to their version)`,
          );
        }
        console.log(
          `deploy check: ${result.checked} of ${result.running} running workflows replay`,
        );
      }
      const client = await ctx.temporal();
      const previous = await currentBuildId(client, deploymentName);
      await setCurrentBuildId(client, deploymentName, buildId);
      console.log(
        `${deploymentName}.${buildId} is now current${previous ? ` (was ${previous}; retire it once drained: temporal worker deployment describe-version --deployment-name ${deploymentName} --build-id ${previous})` : ''}`,
      );
    });
}
