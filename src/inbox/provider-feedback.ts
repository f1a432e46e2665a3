/**
 * What the providers say after accepting a message, through the inbox like every event: the
 * webhook (src/http/provider-webhooks.ts) verifies it, this module translates it into one
 * feedback event and stores it (de-duplicated by the provider's own id), and the inbox processor
 * applies it:
 *
 *   Resend  email.delivered, email.opened, email.clicked   recorded against the message
 *           email.bounced (bounce.type Permanent, or none)   recorded; the address is suppressed
 *           email.bounced (Transient, Undetermined)         recorded as a soft bounce; the address
 *                                                           is suppressed after N within a window
 *           email.complained                               recorded; the address is suppressed
 *   Twilio  status callbacks delivered, undelivered, failed  recorded against the message
 *           an inbound STOP (or another opt-out keyword)   SMS consent of that phone withdrawn
 *           an inbound START, UNSTOP or YES                SMS consent of that phone given again
 *
 * Twilio stops sending to a phone that replied an opt-out keyword until it replies an opt-in one
 * (its default keywords, below); Boomerang follows the same two lists, so both agree on whether the
 * contact may be texted. Other inbound texts are neither stored nor applied.
 */
import { z } from 'zod';
import type { Db } from '../db/database.js';
import {
  countFeedbackSince,
  recordFeedback,
  setSmsConsentByPhone,
  suppressAddress,
} from '../db/feedback.js';
import { insertInboxEventOnce, inboxEventByDedupeKey } from '../db/inbox.js';
import { counted } from '../domain/counted.js';
import { isJsonObject, type JsonObject, trimmedText } from '../domain/json.js';
import { type EventProblem, InvalidEventError } from './events.js';

export const FEEDBACK_SOURCES = ['resend', 'twilio'] as const;
export type FeedbackSource = (typeof FEEDBACK_SOURCES)[number];

export const FEEDBACK_KINDS = [
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'soft_bounced',
  'complained',
  'undelivered',
  'failed',
  'opted_out',
  'opted_in',
] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/**
 * Twilio's default opt-out and opt-in keywords (the whole reply, any case), each with the
 * OptOutType Twilio gives it when Advanced Opt-Out is on.
 */
const TWILIO_KEYWORD_TYPES: Readonly<Record<string, 'STOP' | 'START'>> = {
  STOP: 'STOP',
  STOPALL: 'STOP',
  UNSUBSCRIBE: 'STOP',
  CANCEL: 'STOP',
  END: 'STOP',
  QUIT: 'STOP',
  REVOKE: 'STOP',
  OPTOUT: 'STOP',
  START: 'START',
  UNSTOP: 'START',
  YES: 'START',
};

/** A feedback event as the inbox keeps it (`inbox_events.payload`). */
export interface FeedbackWire {
  provider: FeedbackSource;
  /** Unique per provider event (`message_feedback.event_key`). */
  event_key: string;
  channel: 'email' | 'sms';
  kind: FeedbackKind;
  /** The recipient's email or phone (the sender's phone for an inbound reply). */
  address: string;
  provider_message_id?: string;
  occurred_at: string;
  detail: Record<string, unknown>;
}

const wireSchema = z.strictObject({
  provider: z.enum(FEEDBACK_SOURCES),
  event_key: z.string().min(1),
  channel: z.enum(['email', 'sms']),
  kind: z.enum(FEEDBACK_KINDS),
  address: z.string().min(1),
  provider_message_id: z.string().min(1).optional(),
  occurred_at: z.iso.datetime({ offset: true }),
  detail: z.record(z.string(), z.unknown()),
});

export function isFeedbackSource(source: string): source is FeedbackSource {
  return (FEEDBACK_SOURCES as readonly string[]).includes(source);
}

export type FeedbackMapping =
  | { ok: true; feedback: FeedbackWire }
  | { ok: false; ignored: string }
  | { ok: false; problem: EventProblem };

type Json = JsonObject;
const isObject = isJsonObject;
const text = trimmedText;
const problem = (path: string, message: string): FeedbackMapping => ({
  ok: false,
  problem: { path, message },
});

/** An ISO time the provider gave, else `fallback`. */
function timeOf(value: unknown, fallback: Date): string {
  const t = text(value);
  const ms = t ? Date.parse(t) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : fallback.getTime()).toISOString();
}

const RESEND_KINDS: Record<string, FeedbackKind> = {
  'email.delivered': 'delivered',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.bounced': 'bounced',
  'email.complained': 'complained',
};

/**
 * A Resend webhook body → one feedback event. `svixId` names the event (Resend resends a failed
 * delivery under the same id). Event types Boomerang does not use are ignored, not refused.
 */
export function mapResendWebhook(
  payload: unknown,
  svixId: string,
  receivedAt: Date,
): FeedbackMapping {
  if (!isObject(payload)) return problem('(body)', 'must be a JSON object');
  const type = text(payload.type);
  if (!type) return problem('type', 'is required (e.g. "email.bounced")');
  const kind = RESEND_KINDS[type];
  if (!kind) return { ok: false, ignored: `event type ${type} is not one Boomerang uses` };
  const data = payload.data;
  if (!isObject(data)) return problem('data', 'must be an object');
  const emailId = text(data.email_id);
  if (!emailId) return problem('data.email_id', 'is required (the id Resend gave the email)');
  const to = Array.isArray(data.to) ? text(data.to[0]) : text(data.to);
  if (!to || !to.includes('@'))
    return problem('data.to', 'must be the recipient address (a string or a list of them)');
  const detail: Json = {};
  let finalKind = kind;
  if (kind === 'bounced') {
    const bounce = isObject(data.bounce) ? data.bounce : {};
    const bounceType = text(bounce.type);
    // Resend sends email.bounced for permanent rejections; SES's Transient/Undetermined are soft.
    if (bounceType && /^(transient|undetermined)$/i.test(bounceType)) finalKind = 'soft_bounced';
    if (bounceType) detail.bounceType = bounceType;
    if (text(bounce.subType)) detail.bounceSubType = text(bounce.subType);
    if (text(bounce.message)) detail.message = text(bounce.message)!.slice(0, 1000);
  }
  if (kind === 'clicked' && isObject(data.click) && text(data.click.link))
    detail.link = text(data.click.link)!.slice(0, 2000);
  return {
    ok: true,
    feedback: {
      provider: 'resend',
      event_key: `resend:${svixId}`,
      channel: 'email',
      kind: finalKind,
      address: to.toLowerCase(),
      provider_message_id: emailId,
      occurred_at: timeOf(payload.created_at, receivedAt),
      detail,
    },
  };
}

const TWILIO_STATUS_KINDS: Record<string, FeedbackKind> = {
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
};

/**
 * A Twilio webhook (form parameters) → one feedback event: a status callback when it carries a
 * MessageStatus other than "received", else an inbound message. Statuses on the way (queued,
 * sent…) and inbound texts that are not opt-out or opt-in keywords are ignored.
 */
export function mapTwilioWebhook(params: URLSearchParams, receivedAt: Date): FeedbackMapping {
  const sid = text(params.get('MessageSid')) ?? text(params.get('SmsSid'));
  if (!sid) return problem('MessageSid', 'is required');
  const status = (
    text(params.get('MessageStatus')) ?? text(params.get('SmsStatus'))
  )?.toLowerCase();
  const occurredAt = receivedAt.toISOString();
  if (status && status !== 'received') {
    const kind = TWILIO_STATUS_KINDS[status];
    if (!kind) return { ok: false, ignored: `status ${status} is not one Boomerang records` };
    const to = text(params.get('To'));
    if (!to) return problem('To', 'is required in a status callback');
    const errorCode = text(params.get('ErrorCode'));
    return {
      ok: true,
      feedback: {
        provider: 'twilio',
        event_key: `twilio:${sid}:${status}`,
        channel: 'sms',
        kind,
        address: to,
        provider_message_id: sid,
        occurred_at: occurredAt,
        detail: errorCode ? { errorCode } : {},
      },
    };
  }
  const from = text(params.get('From'));
  if (!from) return problem('From', 'is required in an inbound message');
  const body = params.get('Body');
  if (body === null) return problem('Body', 'is required in an inbound message');
  // With Advanced Opt-Out, Twilio names the keyword's meaning (custom keywords included).
  const optOutType = text(params.get('OptOutType'))?.toUpperCase();
  const word = body.trim().toUpperCase();
  const wordType = Object.hasOwn(TWILIO_KEYWORD_TYPES, word)
    ? TWILIO_KEYWORD_TYPES[word]
    : undefined;
  const kind: FeedbackKind | undefined =
    optOutType === 'STOP' || wordType === 'STOP'
      ? 'opted_out'
      : optOutType === 'START' || wordType === 'START'
        ? 'opted_in'
        : undefined;
  if (!kind) return { ok: false, ignored: 'an inbound text that is no opt-out or opt-in keyword' };
  return {
    ok: true,
    feedback: {
      provider: 'twilio',
      event_key: `twilio:${sid}:inbound`,
      channel: 'sms',
      kind,
      address: from,
      occurred_at: occurredAt,
      detail: { keyword: word.slice(0, 40) },
    },
  };
}

/** Stores a feedback event in the inbox once per provider event. */
export async function acceptFeedback(
  db: Db,
  feedback: FeedbackWire,
): Promise<{ id: number; duplicate: boolean }> {
  const dedupeKey = feedback.event_key;
  const inserted = await insertInboxEventOnce(db, {
    source: feedback.provider,
    dedupeKey,
    type: `${feedback.channel}_${feedback.kind}`,
    payload: feedback as unknown as Record<string, unknown>,
  });
  if (inserted) return { id: inserted.id, duplicate: false };
  const existing = await inboxEventByDedupeKey(db, feedback.provider, dedupeKey);
  return { id: existing.id, duplicate: true };
}

/** Soft bounces that suppress an address: `limit` within `windowDays`. */
export interface SoftBounceRule {
  limit: number;
  windowDays: number;
}

export const DEFAULT_SOFT_BOUNCE_RULE: SoftBounceRule = { limit: 3, windowDays: 30 };

export interface FeedbackResult {
  type: 'provider_feedback';
  provider: FeedbackSource;
  kind: FeedbackKind;
  address: string;
  /** The message Boomerang sent that the event is about, when the provider named one it knows. */
  messageId: number | null;
  /** False when the same provider event was recorded before. */
  recorded: boolean;
  /** Why the address is now suppressed, when this event suppressed it. */
  suppressed?: 'hard_bounce' | 'complaint' | 'soft_bounces';
  /** Contacts whose SMS consent this event changed. */
  consentChanged?: number[];
}

/** The stored feedback event; throws InvalidEventError (rejected, never retried) when it is not one. */
export function parseStoredFeedback(payload: unknown): FeedbackWire {
  const parsed = wireSchema.safeParse(payload);
  if (!parsed.success)
    throw new InvalidEventError(
      parsed.error.issues.map((i) => ({
        path: i.path.join('.') || '(event)',
        message: i.message,
      })),
    );
  return parsed.data as FeedbackWire;
}

/**
 * Applies a stored feedback event, in one transaction; applying it again changes nothing
 * (the feedback row is unique per event, a suppression in force is kept, consent is set, not
 * toggled).
 */
export async function applyFeedback(
  deps: { db: Db; softBounces?: SoftBounceRule | undefined },
  payload: unknown,
): Promise<FeedbackResult> {
  const f = parseStoredFeedback(payload);
  const occurredAt = new Date(f.occurred_at);
  const rule = deps.softBounces ?? DEFAULT_SOFT_BOUNCE_RULE;
  return deps.db.transaction().execute(async (trx) => {
    const { recorded, messageId } = await recordFeedback(trx, {
      provider: f.provider,
      eventKey: f.event_key,
      channel: f.channel,
      type: f.kind,
      address: f.address,
      providerMessageId: f.provider_message_id ?? null,
      detail: f.detail,
      occurredAt,
    });
    const result: FeedbackResult = {
      type: 'provider_feedback',
      provider: f.provider,
      kind: f.kind,
      address: f.address,
      messageId,
      recorded,
    };
    const suppress = async (reason: NonNullable<FeedbackResult['suppressed']>, detail: Json) => {
      if (
        await suppressAddress(trx, {
          channel: f.channel,
          address: f.address,
          reason,
          source: f.provider,
          detail: { ...detail, event: f.event_key, ...(messageId ? { messageId } : {}) },
        })
      )
        result.suppressed = reason;
    };
    switch (f.kind) {
      case 'bounced':
        await suppress('hard_bounce', f.detail);
        break;
      case 'complained':
        await suppress('complaint', {});
        break;
      case 'soft_bounced': {
        const since = new Date(occurredAt.getTime() - rule.windowDays * 86_400_000);
        const count = await countFeedbackSince(trx, f.channel, f.address, 'soft_bounced', since);
        if (count >= rule.limit)
          await suppress('soft_bounces', { count, windowDays: rule.windowDays });
        break;
      }
      case 'opted_out':
      case 'opted_in':
        result.consentChanged = await setSmsConsentByPhone(
          trx,
          f.address,
          f.kind === 'opted_in',
          occurredAt,
        );
        break;
      default:
        break;
    }
    return result;
  });
}

/** One line saying what an applied feedback event did. */
export function describeFeedback(r: FeedbackResult): string {
  const about = r.messageId ? ` (message ${r.messageId})` : '';
  const parts = [`${r.provider} ${r.kind.replace('_', ' ')} for ${r.address}${about}`];
  if (!r.recorded) parts.push('recorded before');
  if (r.suppressed) parts.push(`address suppressed (${r.suppressed.replace('_', ' ')})`);
  if (r.consentChanged)
    parts.push(
      r.consentChanged.length
        ? `SMS consent ${r.kind === 'opted_in' ? 'given' : 'withdrawn'} for ${counted(r.consentChanged.length, 'contact')}: ${r.consentChanged.join(', ')}`
        : 'no contact whose SMS consent changed',
    );
  return parts.join('; ');
}
