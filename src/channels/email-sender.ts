/**
 * The email sender: a loop on every messages worker that takes the emails the send activities
 * queued (`messages` rows with status 'sending' and no batch), gathers up to `batchSize` of them
 * into a batch recorded in Postgres with its idempotency key, waits for a request slot of the
 * shared rate limit, and sends the batch in one request. The activities wait for their row's
 * outcome (outcome-waiter.ts).
 *
 * Exactly once, whatever crashes:
 * - a batch is written (members + key) before its request, in one transaction with the members'
 *   batch_id, so a batch is never half-formed and an email is never in two batches;
 * - a batch not finished when its lease ends (its sender died, or the provider failed) is sent
 *   again by any sender, with the same members under the same key: the provider answers the first
 *   acceptance again rather than sending again (Resend keeps keys 24 hours);
 * - a batch still unsettled after IDEMPOTENCY_WINDOW_MS is not sent again (the provider may have
 *   forgotten the key): its emails fail with a reason saying so, which may lose them but never
 *   doubles them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import {
  extendBatchLease,
  finishBatch,
  formBatch,
  hasSendWork,
  type LeasedBatch,
  leaseAbandonedBatch,
  type MemberOutcome,
} from '../db/messages.js';
import type { MessageRow } from '../db/schema.js';
import { type RequestRate, retryDelayOf } from './rate-limit.js';
import type { EmailMessage, EmailProvider } from './types.js';

/** Resend keeps idempotency keys for 24 hours; an hour of margin for clocks and slow retries. */
export const IDEMPOTENCY_WINDOW_MS = 23 * 60 * 60 * 1000;

export interface EmailSenderOptions {
  db: Db;
  provider: EmailProvider;
  from: string;
  rate: RequestRate;
  /** Emails per request; 1 uses the provider's single-email endpoint. */
  batchSize: number;
  /** Requests in flight at once from this process (the shared rate still bounds them). Default 4. */
  lanes?: number;
  /** How long a sender owns a batch before another may retry it. Default 60 s. */
  leaseMs?: number;
  /** How often an idle sender looks for work (activities in this process wake it sooner). */
  idlePollMs?: number;
  log?: (message: string) => void;
}

export interface EmailSender {
  /** Something was queued: look now rather than at the next idle poll. */
  wake(): void;
  stop(): Promise<void>;
}

/** The email a claimed `messages` row holds. */
export function emailOf(from: string, row: MessageRow): EmailMessage {
  return {
    from,
    to: row.to_address,
    subject: row.subject ?? '',
    html: row.html ?? '',
    text: row.text,
    headers: row.headers,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Backoff between attempts at a batch the provider could not take: 1 s, 2 s, 4 s … 1 min. */
function backoffMs(attempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

export function startEmailSender(options: EmailSenderOptions): EmailSender {
  const { db, provider, rate } = options;
  if (!provider.sendBatch && options.batchSize > 1)
    throw new Error(`the ${provider.name} email provider cannot send batches`);
  const leaseMs = options.leaseMs ?? 60_000;
  const idlePollMs = options.idlePollMs ?? 250;
  const log = options.log ?? ((m: string) => console.warn(`email sender: ${m}`));
  const stopping = new AbortController();
  let wakeUp: (() => void) | undefined;
  let wakeSignal = new Promise<void>((resolve) => (wakeUp = resolve));

  function wake(): void {
    wakeUp?.();
    wakeSignal = new Promise<void>((resolve) => (wakeUp = resolve));
  }

  async function idle(): Promise<void> {
    await Promise.race([
      sleep(idlePollMs, undefined, { signal: stopping.signal }).catch(() => {}),
      wakeSignal,
    ]);
  }

  async function request(batch: LeasedBatch): Promise<MemberOutcome[]> {
    const key = batch.batch.idempotency_key;
    if (options.batchSize === 1 || !provider.sendBatch) {
      const [row] = batch.messages;
      if (!row) return [];
      const { providerMessageId } = await provider.send(emailOf(options.from, row), {
        idempotencyKey: key,
      });
      return [{ messageId: row.id, ok: true, providerMessageId }];
    }
    const results = await provider.sendBatch(
      batch.messages.map((row) => emailOf(options.from, row)),
      { idempotencyKey: key },
    );
    return batch.messages.map((row, i): MemberOutcome => {
      const result = results[i]!;
      return result.ok
        ? { messageId: row.id, ok: true, providerMessageId: result.providerMessageId }
        : { messageId: row.id, ok: false, reason: result.reason };
    });
  }

  async function send(batch: LeasedBatch): Promise<void> {
    const { id, created_at, attempts } = batch.batch;
    if (Date.now() - new Date(created_at).getTime() > IDEMPOTENCY_WINDOW_MS) {
      const reason = `not sent again: batch ${id} was first tried over 23 hours ago and the provider may have forgotten its idempotency key, so another attempt could send these emails twice`;
      await finishBatch(
        db,
        id,
        batch.messages.map((m) => ({ messageId: m.id, ok: false, reason })),
        reason,
      );
      log(reason);
      return;
    }
    let outcomes: MemberOutcome[];
    try {
      outcomes = await request(batch);
    } catch (error) {
      await rate.settled(error);
      const said = messageOf(error);
      if (error instanceof ApplicationFailure && error.nonRetryable) {
        // The provider refused the request as a whole (bad key, bad sender): every email fails with its reason.
        await finishBatch(
          db,
          id,
          batch.messages.map((m) => ({ messageId: m.id, ok: false, reason: said })),
          said,
        );
        return;
      }
      // Left leased until the provider's retry-after (or a backoff); then any sender retries it, same key.
      await extendBatchLease(db, id, retryDelayOf(error) ?? backoffMs(attempts), said);
      log(`batch ${id} (${batch.messages.length} emails) will be retried: ${said}`);
      return;
    }
    await finishBatch(db, id, outcomes);
    await rate.settled();
  }

  async function lane(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        if (!(await hasSendWork(db, 'email', provider.name))) {
          await idle();
          continue;
        }
        // The slot first, the batch at the slot: a batch formed as late as possible is as full as possible.
        await rate.take(stopping.signal);
        const batch =
          (await leaseAbandonedBatch(db, 'email', provider.name, leaseMs)) ??
          (await formBatch(db, 'email', provider.name, options.batchSize, leaseMs));
        if (batch) await send(batch);
      } catch (error) {
        if (stopping.signal.aborted) break;
        log(`could not send: ${messageOf(error)}`);
        await sleep(1000, undefined, { signal: stopping.signal }).catch(() => {});
      }
    }
  }

  const lanes = Array.from({ length: Math.max(1, options.lanes ?? 4) }, () => lane());
  return {
    wake,
    async stop() {
      stopping.abort();
      wake();
      await Promise.all(lanes);
    },
  };
}
