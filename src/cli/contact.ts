/** `boomerang contact show|trace`: a contact's data, and every journey it is on or was on. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { findContact } from '../db/contacts.js';
import type { Db } from '../db/database.js';
import { indicatorsOfContact } from '../db/indicators.js';
import { journeysOfContact } from '../db/journeys.js';
import { segmentsOfContact } from '../db/segments.js';
import { CONTACT_ID } from '../domain/search-attributes.js';
import { workflowUiUrl } from '../temporal/connection.js';
import { journeyQuery, type JourneyState } from '../campaigns/journey-contract.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable } from './format.js';

export interface JourneyTrace {
  workflowId: string;
  runId: string;
  campaign: string;
  workflowType: string;
  status: string;
  holdout: boolean | null;
  /** The campaign definition version the journey runs (or ended) under. */
  definitionVersion: number | null;
  currentStep: string | null;
  /** Each step with the definition version it ran under. */
  steps: {
    step: string;
    label: string;
    at: string;
    outcome?: string;
    definitionVersion?: number;
  }[];
  /** When a durable timer of the journey fires next (its wait), if it is waiting. */
  nextWakeUp: string | null;
  endReason: string | null;
  /** A failed journey: why (from its row). */
  failure: string | null;
  startedAt: string;
  closedAt: string | null;
  url: string;
}

/** The earliest timer started and not yet fired or cancelled, from the journey's history. */
async function nextWakeUp(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<string | null> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const pending = new Map<string, number>();
  for (const e of history.events ?? []) {
    const started = e.timerStartedEventAttributes;
    if (started?.timerId) {
      const at =
        Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const ms =
        Number(started.startToFireTimeout?.seconds ?? 0) * 1000 +
        Math.floor((started.startToFireTimeout?.nanos ?? 0) / 1e6);
      pending.set(started.timerId, at + ms);
    }
    const done = e.timerFiredEventAttributes?.timerId ?? e.timerCanceledEventAttributes?.timerId;
    if (done) pending.delete(done);
  }
  const next = Math.min(...pending.values());
  return Number.isFinite(next) ? new Date(next).toISOString() : null;
}

export async function traceContact(
  deps: { db: Db; temporal: Client; config: CliContext['config'] },
  contactId: number,
): Promise<JourneyTrace[]> {
  const recorded = new Map(
    (await journeysOfContact(deps.db, contactId)).map((j) => [j.workflowId, j]),
  );
  const traces: JourneyTrace[] = [];
  for await (const execution of deps.temporal.workflow.list({
    query: `${CONTACT_ID.name} = "${contactId}"`,
  })) {
    const handle = deps.temporal.workflow.getHandle(execution.workflowId, execution.runId);
    const running = execution.status.name === 'RUNNING';
    let state: JourneyState | undefined;
    try {
      state = await handle.query(journeyQuery);
    } catch {
      // No worker to answer (stopped), or not a journey: show what visibility knows.
    }
    const row = recorded.get(execution.workflowId);
    const memo = (execution.memo ?? {}) as { campaign?: string };
    traces.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      campaign: memo.campaign ?? execution.workflowId.split('/')[0]!,
      workflowType: execution.type,
      status: execution.status.name,
      holdout: row?.holdout ?? state?.holdout ?? null,
      definitionVersion: state?.definitionVersion ?? row?.definitionVersion ?? null,
      currentStep:
        state?.currentStep ??
        (execution.searchAttributes?.BoomerangStep?.[0] as string | undefined) ??
        null,
      steps: state?.steps ?? [],
      nextWakeUp: running
        ? await nextWakeUp(deps.temporal, execution.workflowId, execution.runId)
        : null,
      endReason: row?.endReason ?? state?.endReason ?? null,
      failure: row?.failure ?? null,
      startedAt: execution.startTime.toISOString(),
      closedAt: execution.closeTime?.toISOString() ?? null,
      url: workflowUiUrl(deps.config, execution.workflowId, execution.runId),
    });
  }
  return traces.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

async function resolveContact(ctx: CliContext, key: string) {
  const contact = await findContact(ctx.db(), key);
  if (!contact) throw new CliError(`no contact with id, external id or email "${key}"`);
  return contact;
}

export function registerContactCommands(program: Command, ctx: CliContext): void {
  const contact = program.command('contact').description("A contact's data and journeys");

  contact
    .command('show')
    .description('Profile, consent, value indicators and segments of a contact')
    .argument('<contact>', 'email, id or external id')
    .option('--json', 'print JSON')
    .action(async (key: string, opts: { json?: boolean }) => {
      const found = await resolveContact(ctx, key);
      const db = ctx.db();
      const [indicators, segments, journeys] = await Promise.all([
        indicatorsOfContact(db, found.id),
        segmentsOfContact(db, found.id),
        journeysOfContact(db, found.id),
      ]);
      if (opts.json)
        return printJson({ contact: found, indicators: indicators ?? null, segments, journeys });
      console.log(
        `contact ${found.id}${found.externalId ? ` (${found.externalId})` : ''}: ${[found.firstName, found.lastName].filter(Boolean).join(' ') || '(no name)'} <${found.email ?? 'no email'}>`,
      );
      console.log(
        `  newsletter ${found.newsletterStatus}; SMS ${found.smsConsent && found.phone ? `consented (${found.phone})` : 'no'}; time zone ${found.timezone ?? "(shop's)"}`,
      );
      if (indicators) {
        const n = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));
        console.log(
          `  orders ${indicators.ordersCount}, spent ${n(indicators.totalSpent)}; RFM ${indicators.rScore}${indicators.fScore}${indicators.mScore} (${indicators.rfmSegment})`,
        );
        console.log(
          `  CLV 12m ${n(indicators.clv12m)}, forecast purchases 12m ${n(indicators.forecastPurchases12m, 3)}, P(alive) ${n(indicators.probabilityAlive, 3)} (computed ${indicators.computedAt.toISOString()})`,
        );
      } else console.log('  no value indicators (no paid order, or not recomputed yet)');
      console.log(`  segments: ${segments.map((s) => s.name).join(', ') || '(none)'}`);
      console.log(`  journeys: ${journeys.length} (see \`boomerang contact trace ${key}\`)`);
    });

  contact
    .command('trace')
    .description(
      'Every journey of a contact: campaign, status, current step, next wake-up, why it ended, and its Web UI link',
    )
    .argument('<contact>', 'email, id or external id')
    .option('--json', 'print JSON')
    .action(async (key: string, opts: { json?: boolean }) => {
      const found = await resolveContact(ctx, key);
      const traces = await traceContact(
        { db: ctx.db(), temporal: await ctx.temporal(), config: ctx.config },
        found.id,
      );
      if (opts.json) return printJson({ contactId: found.id, journeys: traces });
      if (traces.length === 0) return console.log(`contact ${found.id} is on no journey`);
      console.log(
        formatTable(
          ['campaign', 'version', 'status', 'current step', 'next wake-up', 'ended because'],
          traces.map((t) => [
            t.campaign + (t.holdout ? ' (control)' : ''),
            t.definitionVersion === null ? '' : `v${t.definitionVersion}`,
            t.status.toLowerCase(),
            t.currentStep ?? '',
            t.nextWakeUp ?? '',
            t.endReason ?? '',
          ]),
        ),
      );
      for (const t of traces) console.log(`${t.workflowId}: ${t.url}`);
      for (const t of traces.filter((x) => x.failure))
        console.log(`${t.workflowId} failed: ${t.failure}`);
      console.log(
        `all of them in the Web UI: ${ctx.config.temporal.uiUrl}/namespaces/${ctx.config.temporal.namespace}/workflows?query=${encodeURIComponent(`${CONTACT_ID.name}="${found.id}"`)}`,
      );
    });
}
