/**
 * The provider request rate, one schedule per channel in Postgres (db/messages.ts), so that every
 * worker process together stays under the provider's limit. A 429 pauses everyone for the
 * provider's retry-after and halves the pace; each request that goes through brings it back up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/database.js';
import { reserveRequestSlot, slowDownChannel, speedUpChannel } from '../db/messages.js';
import { PROVIDER_FAILURE } from './provider-errors.js';

/** When a 429 names no retry-after. */
const DEFAULT_RATE_LIMIT_PAUSE_MS = 1000;

export interface RequestRate {
  /** Waits for this process's turn to make one request. */
  take(signal?: AbortSignal): Promise<void>;
  /** Reports how a request went: a 429 slows every process down, a success speeds it back up. */
  settled(error?: unknown): Promise<void>;
}

/** The delay a retryable provider failure asks for (its retry-after), in ms. */
export function retryDelayOf(error: unknown): number | undefined {
  if (!(error instanceof ApplicationFailure)) return undefined;
  const delay = error.nextRetryDelay;
  if (delay === undefined || delay === null) return undefined;
  return typeof delay === 'number' ? delay : undefined;
}

export function isRateLimited(error: unknown): boolean {
  return error instanceof ApplicationFailure && error.type === PROVIDER_FAILURE.rateLimited;
}

export function sharedRequestRate(db: Db, channel: string, requestsPerSecond: number): RequestRate {
  return {
    async take(signal) {
      const waitMs = await reserveRequestSlot(db, channel, requestsPerSecond);
      if (waitMs > 0) await sleep(waitMs, undefined, signal ? { signal } : undefined);
    },
    async settled(error) {
      if (error === undefined) await speedUpChannel(db, channel);
      else if (isRateLimited(error))
        await slowDownChannel(db, channel, retryDelayOf(error) ?? DEFAULT_RATE_LIMIT_PAUSE_MS);
    },
  };
}
