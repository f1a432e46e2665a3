/**
 * `boomerang segment …`: create, inspect and evaluate segments.
 *
 *   segment create NAME --file def.json | --definition JSON [--description TEXT]
 *   segment update NAME [--file def.json | --definition JSON] [--description TEXT]
 *   segment list | show NAME | count NAME | members NAME [--limit N --offset N] | fields
 *
 * Human tables by default, `--json` for scripts. The shipped presets are inserted (when missing)
 * before each command (src/services/segments.ts), so they are there on a fresh database.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Contact } from '../domain/contacts.js';
import { formatSegmentDefinition, SegmentDefinitionError } from '../domain/segments/definition.js';
import { FIELDS, OPERATORS_BY_TYPE } from '../domain/segments/fields.js';
import {
  countSegment,
  createSegment,
  listSegments,
  type Segment,
  SegmentExistsError,
  segmentMembers,
  segmentWithCount,
  UnknownSegmentError,
  updateSegment,
} from '../services/segments.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable, addListCommand } from './format.js';

const DEFINITION_EXAMPLE =
  '{"match": "all", "conditions": [{"field": "newsletter_status", "op": "eq", "value": "subscribed"}, ' +
  '{"field": "clv_12m", "op": "lt", "value": {"shopAverage": true}}]}';

async function readDefinition(
  opts: { file?: string; definition?: string },
  required: boolean,
): Promise<unknown> {
  if (opts.file && opts.definition)
    throw new CliError('give the definition with --file or with --definition, not both', 2);
  let text: string;
  let where: string;
  if (opts.file) {
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${opts.file}: ${(error as Error).message}`, 2);
    }
    where = opts.file;
  } else if (opts.definition !== undefined) {
    text = opts.definition;
    where = '--definition';
  } else {
    if (!required) return undefined;
    throw new CliError(
      `a definition is required: --file def.json or --definition '${DEFINITION_EXAMPLE}'`,
      2,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${where} is not valid JSON: ${(error as Error).message}`, 2);
  }
}

/** Turns the repository's errors into messages that say what to do. */
async function explain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnknownSegmentError) {
      throw new CliError(
        `${error.message}.\nCreate it with: boomerang segment create "${error.segmentName}" --file def.json (see \`boomerang segment fields\`)`,
      );
    }
    if (error instanceof SegmentDefinitionError) {
      throw new CliError(
        `invalid segment definition:\n${error.message.replace(/^/gm, '  ')}\nSee \`boomerang segment fields\` for the fields and their operators.`,
        2,
      );
    }
    if (error instanceof SegmentExistsError) {
      throw new CliError(
        `${error.message}; change it with: boomerang segment update "${error.segmentName}" --file def.json`,
      );
    }
    throw error;
  }
}

/** The options of `segment create` and `segment update`. */
interface WriteOptions {
  file?: string;
  definition?: string;
  description?: string;
  json?: boolean;
}

/** What `segment create` and `segment update` print: the segment as JSON, or one line. */
/** The options of create and update: the definition (read by readDefinition), a description, --json. */
function writeOptions(command: Command, which: 'the' | 'the new', description: string): Command {
  return command
    .option('--file <path>', `JSON file with ${which} definition`)
    .option('--definition <json>', `${which} definition as JSON text`)
    .option('--description <text>', description)
    .option('--json', 'print JSON');
}

function printWritten(verb: 'created' | 'updated', s: Segment, opts: WriteOptions): void {
  if (opts.json) return printJson(s);
  console.log(`${verb} segment "${s.name}": ${formatSegmentDefinition(s.definition)}`);
}

function contactJson(c: Contact) {
  return c;
}

const fullName = (c: Contact): string => [c.firstName, c.lastName].filter(Boolean).join(' ');

export function registerSegmentCommands(program: Command, ctx: CliContext): void {
  const segment = program
    .command('segment')
    .description('Dynamic segments of contacts: create, list, show, count, members');

  const create = segment
    .command('create')
    .description('Create a segment from a JSON definition (see `boomerang segment fields`)')
    .argument('<name>', 'segment name (unique)');
  writeOptions(create, 'the', 'what the segment is for').action(
    async (name: string, opts: WriteOptions) => {
      const definition = await readDefinition(opts, true);
      const created = await explain(async () =>
        createSegment(ctx.db(), { name, description: opts.description, definition }),
      );
      printWritten('created', created, opts);
    },
  );

  const update = segment
    .command('update')
    .description("Change a segment's definition and/or description")
    .argument('<name>', 'segment name');
  writeOptions(update, 'the new', 'the new description').action(
    async (name: string, opts: WriteOptions) => {
      const definition = await readDefinition(opts, false);
      if (definition === undefined && opts.description === undefined) {
        throw new CliError('nothing to change: give --file, --definition or --description', 2);
      }
      const updated = await explain(async () =>
        updateSegment(ctx.db(), name, { definition, description: opts.description }),
      );
      printWritten('updated', updated, opts);
    },
  );

  addListCommand(segment, 'list', {
    description: 'List the segments',
    load: () => listSegments(ctx.db()),
    headers: ['NAME', 'KIND', 'DEFINITION'],
    row: (s) => [
      s.name,
      s.preset ? `${s.kind}, preset` : s.kind,
      formatSegmentDefinition(s.definition),
    ],
  });

  segment
    .command('show')
    .description('Show a segment: its definition and how many contacts it has now')
    .argument('<name>', 'segment name')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { segment: s, count } = await explain(() => segmentWithCount(ctx.db(), name));
      if (opts.json) return printJson({ ...s, count });
      console.log(
        [
          `name:        ${s.name}${s.preset ? ' (preset)' : ''}`,
          `description: ${s.description ?? ''}`,
          `kind:        ${s.kind}`,
          `matches:     ${formatSegmentDefinition(s.definition)}`,
          `contacts:    ${count}`,
          `definition:`,
          JSON.stringify(s.definition, null, 2).replace(/^/gm, '  '),
        ].join('\n'),
      );
    });

  segment
    .command('count')
    .description('How many contacts are in a segment now')
    .argument('<name>', 'segment name')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const count = await explain(async () => countSegment(ctx.db(), name));
      if (opts.json) return printJson({ segment: name, count });
      console.log(String(count));
    });

  segment
    .command('members')
    .description('The contacts of a segment now, by id')
    .argument('<name>', 'segment name')
    .option('--limit <n>', 'how many', '50')
    .option('--offset <n>', 'how many to skip', '0')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { limit: string; offset: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      const offset = Number(opts.offset);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new CliError(`--limit must be a whole number from 1 to 10000 (got ${opts.limit})`, 2);
      if (!Number.isInteger(offset) || offset < 0)
        throw new CliError(`--offset must be a whole number ≥ 0 (got ${opts.offset})`, 2);
      const members = await explain(async () => segmentMembers(ctx.db(), name, { limit, offset }));
      if (opts.json) return printJson(members.map(contactJson));
      console.log(
        formatTable(
          ['ID', 'EXTERNAL ID', 'EMAIL', 'NAME', 'COUNTRY', 'NEWSLETTER'],
          members.map((c) => [
            String(c.id),
            c.externalId ?? '',
            c.email ?? '',
            fullName(c),
            c.country ?? '',
            c.newsletterStatus,
          ]),
        ),
      );
      if (members.length === limit) console.log(`(more with --offset ${offset + limit})`);
    });

  segment
    .command('fields')
    .description('The fields segment conditions can use, with their operators')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = FIELDS.map((f) => {
        const ops = OPERATORS_BY_TYPE[f.type].filter(
          (o) => f.nullable || f.type === 'tags' || (o !== 'exists' && o !== 'not_exists'),
        );
        return {
          name: f.name,
          group: f.group,
          type: f.type === 'activity' ? 'number' : f.type,
          operators: ops,
          values: f.values,
          description: f.description,
        };
      });
      if (opts.json) return printJson(rows);
      console.log(
        formatTable(
          ['FIELD', 'GROUP', 'TYPE', 'OPERATORS', 'DESCRIPTION'],
          rows.map((r) => [r.name, r.group, r.type, r.operators.join(' '), r.description]),
        ),
      );
      console.log(`\nExample: ${DEFINITION_EXAMPLE}`);
    });
}
