/**
 * `boomerang campaign test-send ID --to EMAIL [--node STEP] [--contact ID] [--json]`: every email of
 * a campaign (or one send node's) sent to one address through the configured provider, rendered
 * with a contact's variables and a sample coupon, subject prefixed `[TEST]`. Test sends belong to
 * no journey: reports, metrics and the frequency cap leave them out.
 */
import type { Command } from 'commander';
import { PreviewError, testSendCampaign } from '../services/previews.js';
import { CliError, type CliContext, printJson } from './context.js';
import { formatTable } from './format.js';

/** Adds `test-send` to the `campaign` command (registered by campaign.ts). */
export function registerCampaignTestSend(program: Command, ctx: CliContext): void {
  const campaign = program.commands.find((c) => c.name() === 'campaign');
  if (!campaign) throw new Error('the campaign command must be registered before test-send');
  campaign
    .command('test-send')
    .description(
      "Send a campaign's emails to one address, marked as a test (counted in no report, no cap)",
    )
    .argument('<campaign>', 'campaign id')
    .requiredOption('--to <email>', 'where the test emails go')
    .option(
      '--node <step>',
      "only this send node, e.g. send_offer (or offer); a flow's node id, a variant as NODE.VARIANT",
    )
    .option(
      '--contact <id>',
      "whose variables fill the emails (default: the contact with --to's email)",
    )
    .option('--json', 'print JSON')
    .action(
      async (
        campaignId: string,
        opts: { to: string; node?: string; contact?: string; json?: boolean },
      ) => {
        const contactId = opts.contact === undefined ? undefined : Number(opts.contact);
        if (contactId !== undefined && (!Number.isSafeInteger(contactId) || contactId <= 0))
          throw new CliError(`--contact must be a contact id (got ${opts.contact})`, 2);
        let sent;
        try {
          sent = await testSendCampaign(
            { db: ctx.db(), config: ctx.config },
            { campaignId, to: opts.to, node: opts.node, contactId },
          );
        } catch (error) {
          if (error instanceof PreviewError) throw new CliError(error.message);
          throw error;
        }
        if (opts.json) return printJson(sent);
        console.log(
          formatTable(
            ['NODE', 'STATUS', 'PROVIDER', 'MESSAGE', 'SUBJECT'],
            sent.map((s) => [
              s.node,
              s.status === 'sent' ? 'sent' : `failed: ${s.error ?? ''}`,
              s.provider,
              s.providerMessageId ?? String(s.messageId),
              s.subject ?? '',
            ]),
          ),
        );
        if (sent.some((s) => s.status === 'failed')) process.exitCode = 1;
      },
    );
}
