/**
 * `boomerang template preview NAME --contact ID [--channel email|sms] [--html FILE] [--json]`, or
 * `boomerang template preview --campaign ID --node STEP --contact ID`: a template rendered for a
 * real contact as a journey would send it, the coupon shown as a sample code. Nothing is assigned,
 * stored or sent.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { PreviewError, previewTemplate } from '../services/previews.js';
import { CliError, type CliContext, printJson } from './context.js';

interface PreviewOptions {
  contact: string;
  channel?: string;
  campaign?: string;
  node?: string;
  html?: string;
  json?: boolean;
}

export function registerTemplateCommands(program: Command, ctx: CliContext): void {
  const template = program.command('template').description('Message templates');
  template
    .command('preview')
    .description(
      "Render a template with a contact's variables (a sample coupon code; nothing assigned, stored or sent)",
    )
    .argument('[name]', 'a built-in template (e.g. low-clv-offer); or use --campaign and --node')
    .requiredOption('--contact <id>', 'the contact whose variables fill the template')
    .option('--channel <channel>', 'email or sms (default email)')
    .option('--campaign <id>', "a campaign's template instead of a built-in one")
    .option(
      '--node <step>',
      "with --campaign: the send node, e.g. send_offer (or offer); a flow's node id (email-items), a variant as email-items.b",
    )
    .option('--html <file>', 'also write the HTML body to this file (to open in a browser)')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: PreviewOptions) => {
      const contactId = Number(opts.contact);
      if (!Number.isSafeInteger(contactId) || contactId <= 0)
        throw new CliError(`--contact must be a contact id (got ${opts.contact})`, 2);
      if (opts.channel !== undefined && opts.channel !== 'email' && opts.channel !== 'sms')
        throw new CliError(`--channel must be email or sms (got ${opts.channel})`, 2);
      if (!name && !opts.campaign)
        throw new CliError('name a template, or give --campaign ID --node STEP', 2);
      let preview;
      try {
        preview = await previewTemplate(
          { db: ctx.db(), config: ctx.config },
          {
            contactId,
            template: name,
            campaignId: opts.campaign,
            node: opts.node,
            channel: opts.channel as 'email' | 'sms' | undefined,
          },
        );
      } catch (error) {
        if (error instanceof PreviewError) throw new CliError(error.message);
        throw error;
      }
      if (opts.html) {
        if (preview.html === null) throw new CliError('this template has no HTML body (an SMS?)');
        await writeFile(opts.html, preview.html);
      }
      if (opts.json) return printJson(preview);
      console.log(`${preview.channel} ${preview.source} for contact ${preview.contactId}`);
      console.log(`to:      ${preview.to ?? '(the contact cannot receive it on this channel)'}`);
      if (preview.subject !== null) console.log(`subject: ${preview.subject}`);
      const drawnFrom = preview.couponSet
        ? `; a journey's comes from set ${preview.couponSet}`
        : '';
      console.log(
        `coupon:  ${preview.sampleCoupon.code} (a sample; no code is assigned${drawnFrom})`,
      );
      console.log('');
      console.log(preview.text);
      if (opts.html) console.log(`\n(HTML written to ${opts.html})`);
    });
}
