/**
 * What a send step reports to its workflow, and the checks on its input that need no database.
 * Recorded workflow histories carry these shapes: change them only in ways old histories accept.
 */

export type SkipReason =
  | 'holdout'
  | 'unsubscribed'
  | 'not_subscribed'
  | 'no_email'
  | 'no_phone'
  | 'no_sms_consent'
  | 'frequency_cap'
  /** The address bounced or complained (provider feedback), or was suppressed by hand. */
  | 'suppressed'
  | 'quiet_hours'
  | 'contact_not_found';

/**
 * `retryAt`: not now, but at that instant (quiet hours end, or the frequency cap frees a slot):
 * the step asked to wait rather than drop, and nothing was recorded as final.
 */
export type SendResult =
  | { outcome: 'sent'; messageId: number }
  | { outcome: 'skipped'; reason: SkipReason; retryAt?: string };

/** The fields of a send step's input that every send checks before anything else. */
export interface SendInputFields {
  step: unknown;
  campaignId: unknown;
  contactId: unknown;
  category: unknown;
  template: unknown;
}

/** What is wrong with a send step's input; empty when nothing is. */
export function sendInputProblems(input: Partial<SendInputFields> | undefined): string[] {
  const problems: string[] = [];
  if (typeof input?.step !== 'string' || input.step === '')
    problems.push('step must be a non-empty string');
  if (typeof input?.campaignId !== 'string' || input.campaignId === '')
    problems.push('campaignId must be a non-empty string');
  const contactId = input?.contactId;
  if (typeof contactId !== 'number' || !Number.isSafeInteger(contactId) || contactId <= 0)
    problems.push('contactId must be a positive integer');
  if (input?.category !== 'marketing')
    problems.push(`category must be "marketing" (got ${JSON.stringify(input?.category)})`);
  if (input?.template === undefined || input.template === null)
    problems.push('template is missing');
  return problems;
}
