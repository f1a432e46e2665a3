/**
 * `boomerang inbox list|show|retry|discard`: the events the inbox processor could not apply —
 * parked after too many failed attempts, or rejected — with their reasons, and what to do with them.
 * `boomerang inbox starts|retry-starts|discard-starts`: the same for the journeys applied events
 * queued to start.
 */
import type { Command } from 'commander';
import {
  discardInboxEvents,
  discardParkedStarts,
  INBOX_STATES,
  inboxEvent,
  inboxOverview,
  listQueuedStarts,
  retryInboxEvents,
  retryParkedStarts,
  START_STATES,
  startCountsByState,
  startQueueStatus,
  type StartQueueStatus,
  unknownInboxEventIds,
} from '../services/inbox.js';
import { CliError, type CliContext, printJson } from './context.js';
import { counted, formatTable } from './format.js';

/**
 * What a retry or discard acts on: the ids given, or every parked one with --all-parked (one or the
 * other); `ids` and `given` name them in the errors, `parse` checks each.
 */
function parseTargets<T>(
  raw: string[],
  all: boolean | undefined,
  names: { ids: string; given: string },
  parse: (id: string) => T,
): T[] | 'all-parked' {
  if (all) {
    if (raw.length) throw new CliError(`give ${names.ids} or --all-parked, not both`, 2);
    return 'all-parked';
  }
  if (!raw.length) throw new CliError(`give ${names.given}, or --all-parked`, 2);
  return raw.map(parse);
}

function parseIds(raw: string[], all: boolean | undefined): number[] | 'all-parked' {
  return parseTargets(raw, all, { ids: 'event ids', given: 'the ids of the events' }, (id) => {
    if (!/^[1-9][0-9]{0,15}$/.test(id))
      throw new CliError(`"${id}" is not an inbox event id (a positive whole number)`, 2);
    return Number(id);
  });
}

/**
 * The start queue in one line: journeys waiting to start, failing ones, the oldest's wait, parked
 * ones, those held by a paused campaign.
 */
function describeStartQueue(q: StartQueueStatus, now = new Date()): string {
  const aside =
    (q.parked
      ? `; ${q.parked} parked after too many failed attempts (boomerang inbox starts)`
      : '') +
    (q.held
      ? `; ${q.held} held while their campaign is paused (they start when it is resumed)`
      : '');
  if (!q.queued) return `journeys waiting to start: 0${aside}`;
  const waited = Math.round((now.getTime() - q.oldestEnqueuedAt!.getTime()) / 1000);
  return `journeys waiting to start: ${q.queued}${q.failing ? ` (${q.failing} failing, retried)` : ''}, oldest queued ${waited} s ago${aside}`;
}

function parseWorkflowIds(raw: string[], all: boolean | undefined): string[] | 'all-parked' {
  return parseTargets(
    raw,
    all,
    { ids: 'workflow ids', given: 'the workflow ids of the starts (boomerang inbox starts)' },
    (id) => id,
  );
}

function parseState<T extends string>(raw: string, states: readonly T[], what: string): T {
  if (!(states as readonly string[]).includes(raw))
    throw new CliError(`--state: "${raw}" is not ${what}; use one of ${states.join(', ')}`, 2);
  return raw as T;
}

function parseLimit(raw: string): number {
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new CliError(`--limit: "${raw}" must be a whole number from 1 to 10000`, 2);
  return limit;
}

const oneLine = (text: string | null, max = 100) => {
  const line = (text ?? '').replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** A command acting on parked starts: it names what it did, and what was not a parked start. */
function parkedStartsCommand(
  inbox: Command,
  c: {
    name: string;
    description: string;
    act: (target: string[] | 'all-parked') => Promise<string[]>;
    key: string;
    done: (count: number) => string;
    none: string;
  },
): void {
  inbox
    .command(`${c.name} [workflowIds...]`)
    .description(c.description)
    .option('--all-parked', 'every parked start')
    .option('--json', 'print JSON')
    .action(async (ids: string[], opts: { allParked?: boolean; json?: boolean }) => {
      const target = parseWorkflowIds(ids, opts.allParked);
      const acted = await c.act(target);
      const missed = target === 'all-parked' ? [] : target.filter((id) => !acted.includes(id));
      if (opts.json) return printJson({ [c.key]: acted, notParked: missed });
      console.log(acted.length ? `${c.done(acted.length)}: ${acted.join(', ')}` : c.none);
      if (missed.length) {
        console.error(`not a parked start (left as it is): ${missed.join(', ')}`);
        process.exitCode = 1;
      }
    });
}

export function registerInboxCommands(program: Command, ctx: CliContext): void {
  const inbox = program
    .command('inbox')
    .description(
      'Events stored but not applied (parked after too many failed attempts, or rejected), and journeys waiting to start',
    );

  inbox
    .command('list')
    .description('Counts by state, and the events of one state (parked by default), newest first')
    .option('--state <state>', `one of ${INBOX_STATES.join(', ')}`, 'parked')
    .option('--limit <n>', 'at most this many events', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { state: string; limit: string; json?: boolean }) => {
      const state = parseState(opts.state, INBOX_STATES, 'a state');
      const limit = parseLimit(opts.limit);
      const { counts, events, startQueue } = await inboxOverview(ctx.db(), state, limit);
      if (opts.json) return printJson({ counts, events, startQueue });
      console.log(INBOX_STATES.map((s) => `${s}: ${counts[s]}`).join('   '));
      console.log(describeStartQueue(startQueue));
      if (!events.length) return console.log(`no ${opts.state} events`);
      console.log(
        formatTable(
          ['id', 'source', 'type', 'received', 'attempts', 'error'],
          events.map((e) => [
            String(e.id),
            e.source,
            e.type,
            e.receivedAt.toISOString(),
            String(e.attempts),
            oneLine(e.error),
          ]),
        ),
      );
    });

  inbox
    .command('show <id>')
    .description('One event: its state, attempts, last error and payload')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const [eventId] = parseIds([id], false) as number[];
      const v = await inboxEvent(ctx.db(), eventId!);
      if (!v) throw new CliError(`no inbox event has id ${id}`);
      if (opts.json) return printJson(v);
      console.log(`inbox event ${v.id}: ${v.state}`);
      console.log(`  source     ${v.source} (${v.dedupeKey})`);
      console.log(`  type       ${v.type}`);
      console.log(`  received   ${v.receivedAt.toISOString()}`);
      console.log(`  attempts   ${v.attempts}`);
      if (v.parkedAt) console.log(`  parked     ${v.parkedAt.toISOString()}`);
      if (v.processedAt) console.log(`  processed  ${v.processedAt.toISOString()}`);
      if (v.error) console.log(`  error      ${v.error}`);
      console.log(`  payload    ${JSON.stringify(v.payload, null, 2).replace(/\n/g, '\n  ')}`);
    });

  inbox
    .command('retry [ids...]')
    .description(
      'Make parked (or rejected) events pending again; the running inbox processor applies them',
    )
    .option('--all-parked', 'every parked event')
    .option('--json', 'print JSON')
    .action(async (ids: string[], opts: { allParked?: boolean; json?: boolean }) => {
      const target = parseIds(ids, opts.allParked);
      const retried = await retryInboxEvents(ctx.db(), target);
      const missed = target === 'all-parked' ? [] : target.filter((id) => !retried.includes(id));
      const unknown = await unknownInboxEventIds(ctx.db(), missed);
      const notRetriable = missed.filter((id) => !unknown.includes(id));
      if (opts.json) return printJson({ retried, notParkedOrRejected: notRetriable, unknown });
      console.log(
        retried.length
          ? `${counted(retried.length, 'event')} pending again: ${retried.join(', ')}`
          : 'no event to retry',
      );
      if (notRetriable.length)
        console.error(`not parked or rejected (left as they are): ${notRetriable.join(', ')}`);
      if (unknown.length) console.error(`no inbox event has id ${unknown.join(', ')}`);
      if (missed.length) process.exitCode = 1;
    });

  inbox
    .command('discard [ids...]')
    .description('Give up on parked events: kept as rejected, with the reason, never applied')
    .option('--all-parked', 'every parked event')
    .option('--reason <text>', 'why (kept with the event)', 'by hand')
    .option('--json', 'print JSON')
    .action(
      async (ids: string[], opts: { allParked?: boolean; reason: string; json?: boolean }) => {
        const target = parseIds(ids, opts.allParked);
        const discarded = await discardInboxEvents(ctx.db(), target, opts.reason);
        const missed =
          target === 'all-parked' ? [] : target.filter((id) => !discarded.includes(id));
        if (opts.json) return printJson({ discarded, notParked: missed });
        console.log(
          discarded.length
            ? `${counted(discarded.length, 'event')} discarded: ${discarded.join(', ')}`
            : 'no event to discard',
        );
        if (missed.length) {
          console.error(`not parked (left as they are): ${missed.join(', ')}`);
          process.exitCode = 1;
        }
      },
    );

  inbox
    .command('starts')
    .description(
      'Journeys that applied events queued to start, by state (parked by default), oldest first',
    )
    .option('--state <state>', `one of ${START_STATES.join(', ')}`, 'parked')
    .option('--limit <n>', 'at most this many starts', '50')
    .option('--json', 'print JSON')
    .action(async (opts: { state: string; limit: string; json?: boolean }) => {
      const state = parseState(opts.state, START_STATES, 'a state of a queued start');
      const starts = await listQueuedStarts(ctx.db(), state, parseLimit(opts.limit));
      if (opts.json) return printJson(starts);
      if (!starts.length) {
        // An empty state is often not where the operator's starts are: say where they are.
        const counts = startCountsByState(await startQueueStatus(ctx.db()));
        const elsewhere = Object.entries(counts)
          .filter(([other, n]) => other !== state && n > 0)
          .map(([other, n]) => `${n} ${other} (--state ${other})`);
        return console.log(
          `no ${state} journey starts${elsewhere.length ? `; ${elsewhere.join(', ')}` : ''}`,
        );
      }
      console.log(
        formatTable(
          ['workflow id', 'campaign', 'contact', 'queued', 'attempts', 'error'],
          starts.map((s) => [
            s.workflowId,
            s.campaignId,
            String(s.contactId),
            s.enqueuedAt.toISOString(),
            String(s.attempts),
            oneLine(s.lastError),
          ]),
        ),
      );
    });

  parkedStartsCommand(inbox, {
    name: 'retry-starts',
    description: 'Queue parked journey starts again; the running starters start them',
    act: (target) => retryParkedStarts(ctx.db(), target),
    key: 'retried',
    done: (n) => `${counted(n, 'journey start')} queued again`,
    none: 'no journey start to retry',
  });
  parkedStartsCommand(inbox, {
    name: 'discard-starts',
    description: 'Give up on parked journey starts: out of the queue, their journeys never start',
    act: async (target) =>
      (await discardParkedStarts(ctx.db(), target)).map((start) => start.workflowId),
    key: 'discarded',
    done: (n) => `${counted(n, 'journey start')} discarded, never to start`,
    none: 'no journey start to discard',
  });
}
