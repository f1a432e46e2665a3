/**
 * What a messages worker runs besides its activities: the email sender (for providers with a
 * batch endpoint) and the shared request rates. The worker starts it and stops it with itself.
 */
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { startEmailSender } from './email-sender.js';
import { createOutcomeWaiter, type OutcomeWaiter } from './outcome-waiter.js';
import { type RequestRate, sharedRequestRate } from './rate-limit.js';
import type { Channels } from './types.js';

/** Emails of a batching provider: queued for the email sender rather than sent by the activity. */
export interface EmailQueue {
  waiter: OutcomeWaiter;
  /** Tells this process's email sender that an email was queued. */
  wake(): void;
  /** How long one activity attempt waits (under its 30 s start-to-close timeout). Default 20 s. */
  waitMs?: number;
}

export interface Sending {
  emailQueue: EmailQueue | undefined;
  smsRate: RequestRate | undefined;
  stop(): Promise<void>;
}

export interface SendingOptions {
  /** How long a sender owns a batch before another retries it (tests shorten it). */
  leaseMs?: number;
  /** Concurrent requests of this process's email sender. */
  lanes?: number;
  /** How long one send activity attempt waits for its email's outcome. */
  waitMs?: number;
  /** No email sender in this process (another process sends): only the waiting side. */
  withoutSender?: boolean;
}

export function startSending(
  config: Pick<Config, 'email' | 'sms'>,
  db: Db,
  channels: Channels,
  options: SendingOptions = {},
): Sending {
  const smsRate =
    config.sms.provider === 'outbox'
      ? undefined
      : sharedRequestRate(db, 'sms', config.sms.requestsPerSecond);
  if (!channels.email.sendBatch) return { emailQueue: undefined, smsRate, stop: async () => {} };
  const waiter = createOutcomeWaiter(db);
  if (options.withoutSender)
    return {
      emailQueue: { waiter, wake: () => {}, waitMs: options.waitMs },
      smsRate,
      stop: async () => waiter.close(),
    };
  const sender = startEmailSender({
    db,
    provider: channels.email,
    from: config.email.from,
    rate: sharedRequestRate(db, 'email', config.email.requestsPerSecond),
    batchSize: config.email.batchSize,
    leaseMs: options.leaseMs,
    lanes: options.lanes,
  });
  return {
    emailQueue: { waiter, wake: () => sender.wake(), waitMs: options.waitMs },
    smsRate,
    async stop() {
      await sender.stop();
      waiter.close();
    },
  };
}
