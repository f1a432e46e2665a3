/**
 * `boomerang contact show|trace|suppressions|unsuppress`: a contact's data, every journey it is on
 * or was on, and the email addresses suppressed after a bounce or a complaint.
 */
import type { Command } from 'commander';
import { CONTACT_ID } from '../domain/search-attributes.js';
import { contactProfile, findContact, type JourneyTrace } from '../services/contacts.js';
import { suppressions, unsuppressEmail } from '../services/suppressions.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable, printListing } from './format.js';

/**
 * The current step as `contact trace` prints it: with what a send held back waits for while the
 * journey waits there (`send (waiting: quiet hours until …)`).
 */
export function currentStepText(t: Pick<JourneyTrace, 'currentStep' | 'steps' | 'status'>): string {
  const last = t.steps.at(-1);
  const waiting =
    t.status === 'RUNNING' &&
    last !== undefined &&
    last.step === t.currentStep &&
    last.outcome?.startsWith('waiting:');
  return (t.currentStep ?? '') + (waiting ? ` (${last!.outcome})` : '');
}

/** The journeys of `contact trace`, a row each; the campaign id tells apart campaigns of one name. */
export function traceTable(traces: JourneyTrace[]): string {
  return formatTable(
    [
      'campaign',
      'campaign id',
      'version',
      'status',
      'current step',
      'next wake-up',
      'ended because',
    ],
    traces.map((t) => [
      t.campaign + (t.holdout ? ' (control)' : ''),
      t.campaignId,
      t.definitionVersion === null ? '' : `v${t.definitionVersion}`,
      t.status.toLowerCase(),
      currentStepText(t),
      t.nextWakeUp ?? '',
      t.endReason ?? '',
    ]),
  );
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
      const { indicators, segments, journeys } = await contactProfile(ctx.db(), found.id);
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
      'Every journey of a contact: campaign and its id, status, current step, next wake-up, why it ended, and its Web UI link',
    )
    .argument('<contact>', 'email, id or external id')
    .option('--json', 'print JSON')
    .action(async (key: string, opts: { json?: boolean }) => {
      // An unknown contact throws UnknownContactError, with resolveContact's message.
      const {
        contact: found,
        journeys: traces,
        temporalUnreachable,
      } = await ctx.client.traceContact(key);
      if (opts.json)
        return printJson({
          contactId: found.id,
          journeys: traces,
          ...(temporalUnreachable ? { temporalUnreachable } : {}),
        });
      if (temporalUnreachable)
        console.log(
          `${temporalUnreachable}; the journeys as Postgres recorded them (no running state or wake-ups):`,
        );
      if (traces.length === 0) return console.log(`contact ${found.id} is on no journey`);
      console.log(traceTable(traces));
      for (const t of traces) console.log(`${t.workflowId}: ${t.url}`);
      for (const t of traces) {
        const arms = t.steps.filter((s) => s.arm !== undefined);
        if (arms.length)
          console.log(
            `${t.workflowId} experiment arms: ${arms.map((s) => `${s.step} → ${s.arm}`).join(', ')}`,
          );
      }
      for (const t of traces.filter((x) => x.failure))
        console.log(`${t.workflowId} failed: ${t.failure}`);
      console.log(
        `all of them in the Web UI: ${ctx.config.temporal.uiUrl}/namespaces/${ctx.config.temporal.namespace}/workflows?query=${encodeURIComponent(`${CONTACT_ID.name}="${found.id}"`)}`,
      );
    });

  contact
    .command('suppressions')
    .description(
      'Email addresses no marketing email goes to: hard bounces, complaints, repeated soft bounces',
    )
    .option('--all', 'also the suppressions lifted by hand')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      printListing(await suppressions(ctx.db(), { includeLifted: opts.all }), opts, {
        empty: 'no address is suppressed',
        headers: [
          'address',
          'channel',
          'reason',
          'source',
          'since',
          ...(opts.all ? ['lifted'] : []),
        ],
        row: (s) => [
          s.address,
          s.channel,
          s.reason,
          s.source,
          s.suppressedAt.toISOString(),
          ...(opts.all
            ? [s.liftedAt ? `${s.liftedAt.toISOString()} (${s.liftedReason ?? ''})` : '']
            : []),
        ],
      });
    });

  contact
    .command('unsuppress')
    .description('Lets marketing email go to a suppressed address again (the reason is kept)')
    .argument('<email>', 'the suppressed address')
    .requiredOption('--reason <text>', 'why, e.g. "mailbox fixed, confirmed by phone"')
    .action(async (email: string, opts: { reason: string }) => {
      if (!opts.reason.trim()) throw new CliError('--reason must say why');
      const lifted = await unsuppressEmail(ctx.db(), email, opts.reason.trim());
      if (!lifted) throw new CliError(`${email} is not suppressed`);
      console.log(
        `${lifted.address} unsuppressed (it was suppressed for ${lifted.reason} since ${lifted.suppressedAt.toISOString()})`,
      );
    });
}
