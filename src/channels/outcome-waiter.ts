/**
 * Where a send activity waits for the email sender to settle its message. One query every
 * `pollMs` answers every activity waiting in this process, rather than one query per activity.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/database.js';
import { type MessageOutcome, settledMessages } from '../db/messages.js';

export interface OutcomeWaiter {
  /** The message's outcome, or undefined if it is not settled within `timeoutMs`. */
  wait(messageId: number, timeoutMs: number): Promise<MessageOutcome | undefined>;
  close(): void;
}

export function createOutcomeWaiter(db: Db, options: { pollMs?: number } = {}): OutcomeWaiter {
  const pollMs = options.pollMs ?? 100;
  const waiting = new Map<number, ((outcome: MessageOutcome | undefined) => void)[]>();
  let polling = false;
  let closed = false;

  async function poll(): Promise<void> {
    polling = true;
    try {
      while (waiting.size > 0 && !closed) {
        await sleep(pollMs);
        let settled: MessageOutcome[];
        try {
          settled = await settledMessages(db, [...waiting.keys()]);
        } catch (error) {
          // A database hiccup: the waiters keep waiting (or time out) and the next poll tries again.
          console.warn(`outcome waiter: ${(error as Error).message}`);
          continue;
        }
        for (const outcome of settled) {
          for (const resolve of waiting.get(outcome.id) ?? []) resolve(outcome);
          waiting.delete(outcome.id);
        }
      }
    } finally {
      polling = false;
    }
  }

  return {
    wait(messageId, timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          const rest = (waiting.get(messageId) ?? []).filter((r) => r !== done);
          if (rest.length) waiting.set(messageId, rest);
          else waiting.delete(messageId);
          resolve(undefined);
        }, timeoutMs);
        const done = (outcome: MessageOutcome | undefined) => {
          clearTimeout(timer);
          resolve(outcome);
        };
        waiting.set(messageId, [...(waiting.get(messageId) ?? []), done]);
        if (!polling) void poll();
      });
    },
    close() {
      closed = true;
      for (const resolvers of waiting.values()) for (const r of resolvers) r(undefined);
      waiting.clear();
    },
  };
}
