/**
 * Everything about a campaign definition that the schema alone cannot tell, checked before it is
 * saved, so a journey never fails half-way for a reason known at creation: what its kind checks
 * (its segments and coupon set exist), then every template exists (by name) or parses and renders
 * against a sample contact within a time bound, and no template reads files (`include`, `render`,
 * `layout`).
 */
import { listCampaigns } from '../db/campaigns.js';
import { getSegment, listSegments } from '../db/segments.js';
import { couponSetStatus } from '../db/coupons.js';
import type { Db } from '../db/database.js';
import {
  type CampaignDefinition,
  CampaignDefinitionError,
  parseCampaignDefinition,
  type TemplateRef,
} from '../domain/campaigns/definition.js';
import type { CampaignBase } from './kinds/common.js';
import type { CheckLookups } from './kinds/kind.js';
import { campaignKind } from './kinds/registry.js';
import { SAMPLE_COUPON_CODE } from '../domain/messages/variables.js';
import { PRESET_SEGMENTS } from '../domain/segments/presets.js';
import { DEFAULT_EMAIL_TEMPLATES, DEFAULT_SMS_TEMPLATES } from '../channels/default-templates.js';
import {
  describeProblem,
  type EmailTemplate,
  isSmsTemplate,
  type MessageTemplate,
  renderEmailTemplate,
  renderSmsTemplate,
  type SmsTemplate,
  validateTemplate,
} from '../channels/templates.js';

/**
 * A sample render slower than this refuses the template. CPU-bound loops are cut by the engine's
 * own renderLimit (src/channels/templates.ts); this bounds a render that waits.
 */
export const SAMPLE_RENDER_LIMIT_MS = 1000;

/**
 * The largest definition saved, as JSON. Every journey carries its definition in its input (and
 * `update --running adopt` in a signal): Temporal refuses a payload over 2 MiB and a request over
 * 4 MiB, and one campaign too big for that would fail every registration's enrolment.
 */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** The problem with a definition over MAX_DEFINITION_BYTES, if it is. */
export function definitionSizeProblem(campaign: CampaignDefinition): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(campaign), 'utf8');
  if (bytes <= MAX_DEFINITION_BYTES) return undefined;
  return `the definition is ${bytes.toLocaleString('en')} bytes as JSON; a campaign definition may be at most ${MAX_DEFINITION_BYTES.toLocaleString('en')} bytes (256 KiB), since every journey carries it (make the templates smaller)`;
}

/** What a journey passes to its templates, with plausible values. */
const SAMPLE_VARIABLES: Record<string, unknown> = {
  contact: {
    id: 1,
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    locale: 'en-GB',
    timezone: 'Europe/London',
    country: 'GB',
  },
  coupon: { code: SAMPLE_COUPON_CODE, expires_at: '2026-12-07T23:59:59Z', discount: '10%' },
  shop: { name: 'Sample shop', url: 'https://shop.example.com' },
  unsubscribe_url: 'https://shop.example.com/unsubscribe?token=sample',
};

const FILE_TAG = /\{%-?\s*(include|render|layout)\b/;

/** The templates of a campaign (its `emails` and `sms`, whatever its kind), by path and channel. */
function templatesOf(
  c: CampaignBase,
): { path: string; channel: 'email' | 'sms'; ref: TemplateRef }[] {
  const group = (field: 'emails' | 'sms', channel: 'email' | 'sms') =>
    Object.entries(
      ((c as Record<string, unknown>)[field] ?? {}) as Record<string, TemplateRef>,
    ).map(([name, ref]) => ({ path: `${field}.${name}`, channel, ref }));
  return [...group('emails', 'email'), ...group('sms', 'sms')];
}

/** What a kind's checks look up, answered from the database (presets count: the worker creates them at start). */
export function lookupsIn(db: Db): CheckLookups {
  return {
    async segmentKind(name) {
      const stored = await getSegment(db, name);
      if (stored) return stored.kind;
      return PRESET_SEGMENTS.some((p) => p.name === name) ? 'preset' : undefined;
    },
    async segmentNames() {
      return [
        ...new Set([
          ...(await listSegments(db)).map((s) => s.name),
          ...PRESET_SEGMENTS.map((p) => p.name),
        ]),
      ];
    },
    async couponSetIds() {
      return (await couponSetStatus(db)).map((s) => s.setId);
    },
    async campaignIds() {
      return (await listCampaigns(db)).map((c) => c.definition.id);
    },
    templateProblems,
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`rendering took longer than ${ms} ms (a loop too long?)`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Problems of one template: missing by name, wrong channel, syntax, file tags, the sample render. */
export async function templateProblems(
  path: string,
  channel: 'email' | 'sms',
  ref: TemplateRef,
): Promise<string[]> {
  let template: MessageTemplate;
  if (typeof ref === 'string') {
    const registry: Record<string, MessageTemplate> =
      channel === 'email' ? DEFAULT_EMAIL_TEMPLATES : DEFAULT_SMS_TEMPLATES;
    if (!Object.hasOwn(registry, ref))
      return [
        `${path}: no ${channel} template named ${JSON.stringify(ref)}; known: ${Object.keys(registry).join(', ')} (or write one inline)`,
      ];
    template = registry[ref]!;
  } else {
    if (channel === 'sms' && !isSmsTemplate(ref)) return [`${path}: an SMS template is { body }`];
    if (channel === 'email' && isSmsTemplate(ref))
      return [`${path}: an email template is { subject, html, text? }`];
    template = ref;
  }
  const sources = isSmsTemplate(template)
    ? [['body', template.body] as const]
    : ([
        ['subject', template.subject],
        ['html', template.html],
        ['text', template.text],
      ] as const);
  const fileTags = sources.flatMap(([part, source]) => {
    const match = typeof source === 'string' ? FILE_TAG.exec(source) : null;
    return match
      ? [`${path}.${part}: {% ${match[1]} %} is not allowed (templates cannot read files)`]
      : [];
  });
  if (fileTags.length) return fileTags;
  const validation = validateTemplate(template);
  if (!validation.ok) return validation.problems.map((p) => `${path}.${describeProblem(p)}`);
  try {
    const locale = { locale: 'en-GB', timeZone: 'Europe/London' };
    await withTimeout<unknown>(
      isSmsTemplate(template)
        ? renderSmsTemplate(template as SmsTemplate, SAMPLE_VARIABLES, locale)
        : renderEmailTemplate(template as EmailTemplate, SAMPLE_VARIABLES, locale),
      SAMPLE_RENDER_LIMIT_MS,
    );
  } catch (err) {
    return [`${path}: does not render for a sample contact: ${(err as Error).message}`];
  }
  return [];
}

/**
 * The definition validated completely: the schema, then what it refers to. Throws
 * CampaignDefinitionError listing every problem by its path.
 */
export async function checkCampaignDefinition(db: Db, input: unknown): Promise<CampaignDefinition> {
  const campaign = parseCampaignDefinition(input);
  // Before rendering anything: a template of megabytes is refused for its size alone.
  const tooBig = definitionSizeProblem(campaign);
  if (tooBig) throw new CampaignDefinitionError([tooBig]);
  const problems = await campaignKind(campaign.kind).checks(campaign, lookupsIn(db));
  for (const { path, channel, ref } of templatesOf(campaign))
    problems.push(...(await templateProblems(path, channel, ref)));

  if (problems.length) throw new CampaignDefinitionError(problems);
  return campaign;
}
