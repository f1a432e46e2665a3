/**
 * A campaign is data: which journey it runs, on which audience, with which segment, coupons,
 * messages, waits, contact window, UTM tags and re-entry policy. Defaults come from the seeds.
 * Pure and workflow-safe: journeys receive the resolved definition as their input.
 */
import { z } from 'zod';
import { WEEKDAYS } from './defaults.js';

export { DEFAULT_CONTACT_WINDOW, WEEKDAYS } from './defaults.js';

export const CAMPAIGN_KINDS = [
  'low_clv_coupon',
  'inactive_reactivation',
  'welcome_voucher',
] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and dashes (at most 63), e.g. "low-clv-coupon"',
  );

/** "7 days", "8 hours", "30 minutes", "2d", "36h". Checked here so a typo fails at creation, not mid-journey. */
export const durationText = z
  .string()
  .regex(
    /^\s*\d+(\.\d+)?\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\s*$/i,
    'must be a duration such as "7 days" or "8 hours"',
  );

/** A message template: the name of a built-in template, or one written inline. */
export const templateRef = z.union([
  z.string().min(1),
  z
    .object({
      subject: z.string().min(1, 'an email needs a subject'),
      html: z.string().min(1),
      text: z.string().optional(),
    })
    .strict(),
  z.object({ body: z.string().min(1, 'an SMS needs a body') }).strict(),
]);
export type TemplateRef = z.infer<typeof templateRef>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM, e.g. "09:00"');

/** Days and hours when a contact may be contacted, in the contact's time zone (else the shop's). */
export const contactWindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
      .min(1, 'needs at least one day'),
    from: hhmm,
    to: hhmm,
  })
  .strict()
  .refine((w) => w.from < w.to, { message: '"from" must be before "to"', path: ['to'] });
export type ContactWindowSpec = z.infer<typeof contactWindowSchema>;

const audience = z
  .object({
    /** "All my list" → every contact; "Contacts with email" → only those with an address. */
    limitation: z.enum(['all', 'with_email']).default('with_email'),
    /** "All existing" → launch on today's contacts; "existing and new" → also those who arrive later. */
    source: z.enum(['existing', 'existing_and_new']).default('existing'),
  })
  .strict();

const utm = z
  .object({
    source: z.string().min(1).default('boomerang'),
    medium: z.string().min(1).default('email'),
    campaign: z.string().min(1).optional(),
  })
  .strict();

/** A group of settings that each have a default, so the whole group may be left out. */
function defaulted<Shape extends Record<string, z.ZodDefault>>(shape: Shape) {
  const group = z.object(shape).strict();
  // {} is valid input (every field has a default); TypeScript cannot see that for a generic shape.
  return group.prefault({} as z.input<typeof group>);
}

/** The settings every campaign has; the flow kind (domain/flows) builds its schema from them too. */
export const common = {
  id: slug,
  name: z.string().min(1, 'must not be empty'),
  description: z.string().optional(),
  audience: audience.prefault({}),
  utm: utm.prefault({}),
  /** "never": one journey per contact, ever. "after_end": a contact may enter again once the previous journey ended. */
  reentry: z.enum(['never', 'after_end']).default('never'),
  /** Share of enrolled contacts held out as a control group: enrolled and measured, sent nothing. */
  holdoutPercent: z
    .number()
    .min(0)
    .max(50, 'a holdout over 50% leaves too few contacts to treat')
    .default(0),
  contactWindow: contactWindowSchema.optional(),
};

/** One kind of campaign: the settings every campaign has, its kind, and its own settings. */
function campaignSchema<Kind extends CampaignKind, Fields extends z.ZodRawShape>(
  kind: Kind,
  fields: Fields,
) {
  return z.object({ ...common, kind: z.literal(kind), ...fields }).strict();
}

export const lowClvCouponSchema = campaignSchema('low_clv_coupon', {
  segment: z.string().min(1).default('Customers to reengage'),
  couponSet: slug,
  couponValidity: durationText.optional(),
  waits: defaulted({ beforeReminder: durationText.default('7 days') }),
  /** "Has purchased more than 0 times in the last …" */
  purchaseLookback: durationText.default('7 days'),
  emails: defaulted({
    offer: templateRef.default('low-clv-offer'),
    reminder: templateRef.default('low-clv-reminder'),
  }),
});

export const inactiveReactivationSchema = campaignSchema('inactive_reactivation', {
  audience: audience.prefault({ source: 'existing_and_new' }),
  /** The journey starts when a contact enters this segment (detected by the daily recompute). */
  segment: z.string().min(1).default("Can't lose them"),
  couponSet: slug,
  couponValidity: durationText.optional(),
  waits: defaulted({ beforeCoupon: durationText.default('8 hours') }),
  purchaseLookback: durationText.default('8 hours'),
  emails: defaulted({ coupon: templateRef.default('reactivation-coupon') }),
});

export const welcomeVoucherSchema = campaignSchema('welcome_voucher', {
  audience: audience.prefault({ source: 'existing_and_new' }),
  couponSet: slug,
  /** "Make the voucher expire in a few days to really encourage the customers to make the purchase now." */
  voucherValidity: durationText.default('5 days'),
  /** Contacts who buy after the welcome email are added to this segment. */
  convertedSegment: z.string().min(1).default('Welcome converted'),
  waits: defaulted({
    afterWelcome: durationText.default('2 days'),
    afterVoucher: durationText.default('5 days'),
  }),
  emails: defaulted({
    welcome: templateRef.default('welcome-offer'),
    voucher: templateRef.default('welcome-voucher'),
    reminder: templateRef.default('voucher-reminder'),
  }),
  sms: defaulted({ reminder: templateRef.default('voucher-reminder-sms') }),
});

export const campaignDefinitionSchema = z.discriminatedUnion(
  'kind',
  [lowClvCouponSchema, inactiveReactivationSchema, welcomeVoucherSchema],
  {
    error: (issue) =>
      issue.code === 'invalid_union' ? `must be one of ${CAMPAIGN_KINDS.join(', ')}` : undefined,
  },
);

export type LowClvCouponCampaign = z.infer<typeof lowClvCouponSchema>;
export type InactiveReactivationCampaign = z.infer<typeof inactiveReactivationSchema>;
export type WelcomeVoucherCampaign = z.infer<typeof welcomeVoucherSchema>;
export type CampaignDefinition = z.infer<typeof campaignDefinitionSchema>;

export class CampaignDefinitionError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid campaign definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'CampaignDefinitionError';
  }
}

function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) =>
      typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
    '',
  );
}

/** Validates a definition (from JSON/YAML or the CLI) and fills in the seeds' defaults. */
export function parseCampaignDefinition(input: unknown): CampaignDefinition {
  const parsed = campaignDefinitionSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new CampaignDefinitionError(
    parsed.error.issues.map((issue) => {
      const where = issuePath(issue.path) || '(definition)';
      if (issue.code === 'unrecognized_keys')
        return `${where}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
      if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
        return `${where}: is required`;
      return `${where}: ${issue.message}`;
    }),
  );
}
