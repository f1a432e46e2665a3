/** `boomerang campaign create|update|validate|list|show|graph|launch|pause|resume|stop`. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  CampaignExistsError,
  CampaignIdMismatchError,
  campaignsWithJourneys,
  createCheckedCampaign,
  setCampaignActive,
  showCampaign,
} from '../campaigns/admin.js';
import { checkCampaignDefinition } from '../campaigns/check.js';
import { CampaignNotLaunchableError, howItStarts } from '../campaigns/enrolment.js';
import { updateCampaign } from '../campaigns/update.js';
import { flowGraph, NotAFlowError, validateCampaign } from '../campaigns/validate.js';
import { UnsafeDefinitionChangeError } from '../domain/campaigns/definition-change.js';
import { CampaignDefinitionError } from '../domain/campaigns/definition.js';
import type { LaunchProgress } from '../campaigns/launch-contract.js';
import { CliError, type CliContext, printJson } from './context.js';
import { addListCommand, counted } from './format.js';

async function readDefinitionFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 2);
  }
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
      2,
    );
  }
}

function progressLine(p: LaunchProgress): string {
  return `${p.scanned}/${p.total} contacts scanned, ${counted(p.started, 'journey')} started, ${p.alreadyEnrolled} already enrolled`;
}

/** The definition file of create or update: given as an argument or with --file, once. */
function definitionPath(
  command: string,
  argument: string | undefined,
  option: string | undefined,
): string {
  if (argument !== undefined && option !== undefined && argument !== option)
    throw new CliError(
      `two definition files given (${argument} and --file ${option}); give one`,
      2,
    );
  const file = argument ?? option;
  if (file === undefined)
    throw new CliError(
      `a definition file is required: boomerang campaign ${command} FILE (.json, .yaml)`,
      2,
    );
  return file;
}

export function registerCampaignCommands(program: Command, ctx: CliContext): void {
  const campaign = program
    .command('campaign')
    .description('Create, launch, pause and stop campaigns');

  campaign
    .command('create')
    .description(
      'Create a campaign from a JSON or YAML file (an existing id is refused: use update)',
    )
    .argument('[file]', 'campaign definition (.json, .yaml); see README "Campaigns"')
    .option('--file <file>', 'the same, as an option')
    .option('--json', 'print JSON')
    .action(async (fileArgument: string | undefined, opts: { file?: string; json?: boolean }) => {
      const file = definitionPath('create', fileArgument, opts.file);
      const input = await readDefinitionFile(file);
      let created;
      try {
        created = await createCheckedCampaign(ctx.db(), input);
      } catch (err) {
        if (err instanceof CampaignDefinitionError)
          throw new CliError(`${file}: ${err.message}`, 2);
        if (err instanceof CampaignExistsError) throw new CliError(err.message, 2);
        throw err;
      }
      const definition = created.definition;
      if (opts.json)
        return printJson({ action: 'created', version: created.version, campaign: definition });
      console.log(`created campaign "${definition.id}" (${definition.kind}): ${definition.name}`);
      console.log(howItStarts(definition));
    });

  campaign
    .command('update')
    .description(
      "Save a new version of a campaign's definition; new journeys take it, running ones keep theirs unless --running adopt",
    )
    .argument('<id>')
    .argument('[file]', 'the whole new definition (.json, .yaml), same id')
    .option('--file <file>', 'the same, as an option')
    .option(
      '--running <choice>',
      'what running journeys do: "keep" the version they started with, or "adopt" the new one at their next node (only templates, waits not yet started, coupon set, UTM, name)',
      'keep',
    )
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        fileArgument: string | undefined,
        opts: { file?: string; running: string; json?: boolean },
      ) => {
        const file = definitionPath(`update ${id}`, fileArgument, opts.file);
        if (opts.running !== 'keep' && opts.running !== 'adopt')
          throw new CliError(`--running: must be "keep" or "adopt", not "${opts.running}"`, 2);
        const input = await readDefinitionFile(file);
        let result;
        try {
          result = await updateCampaign(
            { db: ctx.db(), temporal: () => ctx.temporal() },
            id,
            await checkCampaignDefinition(ctx.db(), input),
            opts.running,
          );
        } catch (err) {
          if (err instanceof CampaignDefinitionError || err instanceof CampaignIdMismatchError)
            throw new CliError(`${file}: ${err.message}`, 2);
          if (err instanceof UnsafeDefinitionChangeError) throw new CliError(err.message, 2);
          throw err;
        }
        if (opts.json)
          return printJson({
            id,
            version: result.version,
            previousVersion: result.previousVersion,
            changed: result.changes.map((c) => c.field),
            runningJourneys: result.runningJourneys,
            running: result.running,
            told: result.told,
          });
        if (result.changes.length === 0)
          console.log(`campaign "${id}": nothing changed; it stays at version ${result.version}`);
        else
          console.log(
            `campaign "${id}" is now version ${result.version} (was ${result.previousVersion}); changed: ${result.changes.map((c) => c.field).join(', ')}`,
          );
        const { told, running } = result;
        console.log(
          result.runningJourneys === 'adopt'
            ? `${counted(told, 'running journey')} told to take version ${result.version} at ${told === 1 ? 'its' : 'their'} next node (a wait already started keeps its length)`
            : `${counted(running, 'running journey')} ${running === 1 ? 'keeps the version it runs' : 'keep the version they run'}; journeys started from now on take version ${result.version}`,
        );
      },
    );

  campaign
    .command('validate')
    .description(
      'Check a campaign or flow file as create would (schema, graph, segments, coupon sets, templates), saving nothing',
    )
    .argument('<file>', 'campaign definition (.json, .yaml)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { campaign: valid, problems } = await validateCampaign(
        ctx.db(),
        await readDefinitionFile(file),
      );
      if (opts.json) printJson({ ok: problems.length === 0, campaign: valid, problems });
      else if (problems.length === 0) console.log(`OK: ${file} (${valid!.kind} "${valid!.id}")`);
      else
        console.log(
          `${file}: ${counted(problems.length, 'problem')}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
        );
      if (problems.length) process.exitCode = 2;
    });

  campaign
    .command('graph')
    .description("Draw a flow's nodes and exits (text, or Mermaid with --mermaid)")
    .argument('<id>')
    .option('--mermaid', 'print a Mermaid flowchart')
    .action(async (id: string, opts: { mermaid?: boolean }) => {
      try {
        console.log(await flowGraph(ctx.db(), id, opts.mermaid ? 'mermaid' : 'text'));
      } catch (err) {
        if (err instanceof NotAFlowError) throw new CliError(err.message, 2);
        throw err;
      }
    });

  addListCommand(campaign, 'list', {
    description: 'List campaigns with their status and journeys',
    load: () => campaignsWithJourneys(ctx.db()),
    json: (c) => ({ ...c.definition, status: c.status, journeys: c.journeys }),
    empty: 'no campaigns yet; create one with `boomerang campaign create --file FILE`',
    headers: ['id', 'kind', 'status', 'enrolled', 'running', 'name'],
    row: ({ definition, status, journeys: n }) => [
      definition.id,
      definition.kind,
      status,
      String(n.enrolled),
      String(n.enrolled - n.ended),
      definition.name,
    ],
  });

  campaign
    .command('show')
    .description("Show a campaign's definition (with defaults filled in) and status")
    .argument('<id>')
    .action(async (id: string) => {
      const stored = await showCampaign(ctx.db(), id);
      printJson({ status: stored.status, version: stored.version, ...stored.definition });
    });

  campaign
    .command('launch')
    .description(
      'Enrol the campaign\'s audience ("All existing" contacts); re-launching never enrols a contact twice',
    )
    .argument('<id>')
    .option('--batch-size <n>', 'contacts per batch', (v) => Number.parseInt(v, 10), 500)
    .option('--no-wait', 'start the launch and return')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { batchSize: number; wait: boolean; json?: boolean }) => {
      const interactive = !opts.json && process.stderr.isTTY;
      let following = false;
      let launched;
      try {
        launched = await ctx.client.launchCampaign(id, {
          batchSize: opts.batchSize,
          wait: opts.wait,
          onWarnings: (warnings) => {
            for (const warning of warnings) console.error(warning);
          },
          onStarted: ({ alreadyRunning }) => {
            following = opts.wait;
            if (alreadyRunning && !opts.json)
              console.error(`a launch of "${id}" is already running; following it`);
          },
          onProgress: (p) => {
            if (interactive) process.stderr.write(`\r${progressLine(p)}`);
          },
        });
      } catch (err) {
        if (err instanceof CampaignNotLaunchableError)
          throw new CliError(err.message, err.reason === 'not_active' ? 1 : 2);
        throw err;
      } finally {
        if (interactive && following) process.stderr.write('\n');
      }
      const { workflowId, url, progress: result } = launched;
      if (!result)
        return opts.json ? printJson({ workflowId, url }) : console.log(`launch started: ${url}`);
      if (opts.json) return printJson({ workflowId, url, ...result });
      console.log(
        `launched "${id}": ${progressLine(result)}${result.haltedBecause ? ` (halted: campaign ${result.haltedBecause})` : ''}`,
      );
      console.log(`see it in the Web UI: ${url}`);
    });

  for (const [name, status, what] of [
    ['pause', 'paused', 'Pause a campaign: no new enrolments (running journeys go on)'],
    ['resume', 'active', 'Resume a paused campaign'],
  ] as const) {
    campaign
      .command(name)
      .description(what)
      .argument('<id>')
      .action(async (id: string) => {
        const { queuedStarts } = await setCampaignActive(ctx.db(), id, status);
        console.log(`campaign "${id}" is now ${status}`);
        if (queuedStarts)
          console.log(
            status === 'paused'
              ? `${counted(queuedStarts, 'journey')} its events queued before the pause ${queuedStarts === 1 ? 'waits' : 'wait'} until it is resumed`
              : `${counted(queuedStarts, 'journey')} held by the pause ${queuedStarts === 1 ? 'starts' : 'start'} now`,
          );
      });
  }

  campaign
    .command('stop')
    .description(
      'Stop a campaign: no new enrolments, and every running journey ends ("campaign_stopped")',
    )
    .argument('<id>')
    .action(async (id: string) => {
      const { stopped, settled } = await ctx.client.stopCampaign(id);
      console.log(
        `campaign "${id}" is stopped; ${counted(stopped, 'running journey')} told to end`,
      );
      if (settled.failed + settled.completed)
        console.log(
          `${counted(settled.failed, 'journey')} had failed and ${settled.completed} had ended without being recorded: now recorded`,
        );
    });
}
