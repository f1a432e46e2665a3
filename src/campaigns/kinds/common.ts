/**
 * What every campaign kind's definition is made of: the settings every campaign has (id, name,
 * audience, UTM tags, re-entry, holdout, contact window, quiet hours, frequency-cap policy) and the field types kinds share
 * (durations, templates, slugs). Pure: no I/O, so the definition parses anywhere.
 */
import { z } from 'zod';
import { WEEKDAYS } from '../../domain/campaigns/defaults.js';

export const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'must be lower-case letters, digits and dashes (at most 63), e.g. "low-clv-coupon"',
  );

/** "7 days", "8 hours", "30 minutes", "2d", "36h". Checked here so a typo fails at creation, not mid-journey. */
const DURATION_MESSAGE = 'must be a duration such as "7 days" or "8 hours"';
export const durationText = z
  // A number (YAML's `duration: 7`) is no duration either: say so, not "expected string".
  .string({ error: (issue) => (issue.input === undefined ? undefined : DURATION_MESSAGE) })
  .regex(
    /^\s*\d+(\.\d+)?\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\s*$/i,
    DURATION_MESSAGE,
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

/**
 * A channel's sending hours for one campaign, in the contact's time zone (else the shop's); the
 * hours outside are quiet. Every day unless `days` says otherwise; "any" sends at any hour.
 */
const sendHours = z.union([
  z.literal('any'),
  z
    .object({
      days: z
        .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}` }))
        .min(1, 'needs at least one day')
        .default([...WEEKDAYS]),
      from: hhmm,
      to: hhmm,
    })
    .strict()
    .refine((w) => w.from < w.to, { message: '"from" must be before "to"', path: ['to'] }),
]);

/** Overrides the shop's sending hours (SMS_SEND_HOURS, EMAIL_SEND_HOURS) for this campaign. */
export const quietHoursSchema = z
  .object({
    email: sendHours.optional(),
    sms: sendHours.optional(),
    /** "wait": a send due in quiet hours waits for the hours to open; "drop": it is not sent. */
    whenQuiet: z.enum(['wait', 'drop']).default('wait'),
  })
  .strict();
export type QuietHours = z.infer<typeof quietHoursSchema>;

/** What this campaign's messages do when the shop-wide cap (FREQUENCY_CAP) is reached. */
export const frequencyCapPolicySchema = z
  .object({
    /** "drop": not sent; "delay": sent when the cap frees a slot, if within `delayUpTo`. */
    whenCapped: z.enum(['drop', 'delay']).default('drop'),
    delayUpTo: durationText.default('3 days'),
    /** A waiting message of higher priority keeps a contact's last free slot for itself. */
    priority: z.number().int('must be a whole number').default(0),
  })
  .strict();
export type FrequencyCapPolicy = z.infer<typeof frequencyCapPolicySchema>;

export const audience = z
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
export function defaulted<Shape extends Record<string, z.ZodDefault>>(shape: Shape) {
  const group = z.object(shape).strict();
  // {} is valid input (every field has a default); TypeScript cannot see that for a generic shape.
  return group.prefault({} as z.input<typeof group>);
}

/** The settings every campaign has; the flow kind (src/domain/flows) builds its schema from them too. */
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
  quietHours: quietHoursSchema.optional(),
  frequencyCap: frequencyCapPolicySchema.optional(),
};

/** One kind of campaign: the settings every campaign has, its kind, and its own settings. */
export function campaignSchema<Kind extends string, Fields extends z.ZodRawShape>(
  kind: Kind,
  fields: Fields,
) {
  return z.object({ ...common, kind: z.literal(kind), ...fields }).strict();
}

/** What every campaign definition has, whatever its kind. */
export type CampaignBase = Omit<z.infer<z.ZodObject<typeof common>>, 'reentry'> & {
  kind: string;
  /** A flow has none here: its entry node says (CampaignKindModule.reentry). */
  reentry?: z.infer<typeof common.reentry>;
};
