/**
 * How provider responses become Temporal failures, the same way for every provider:
 * - 429 (rate limited) and 5xx (provider trouble), network errors and timeouts: retryable, after
 *   the provider's Retry-After when it gives one;
 * - any other 4xx: the provider refused this message and will refuse it again, non-retryable.
 */
import { ApplicationFailure } from '@temporalio/common';

/** ApplicationFailure types, for workflows' and retry policies' sake. */
export const PROVIDER_FAILURE = {
  /** 429: retried. */
  rateLimited: 'ProviderRateLimited',
  /** 5xx, network error, timeout, unexpected answer: retried. */
  unavailable: 'ProviderUnavailable',
  /** Other 4xx: not retried. */
  rejected: 'ProviderRejected',
} as const;

/** The longest Retry-After honoured; beyond it, the activity's own retry policy decides. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** A Retry-After header (delta-seconds or an HTTP date) in ms, or undefined. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  if (!(ms > 0)) return undefined;
  return Math.min(Math.ceil(ms), MAX_RETRY_AFTER_MS);
}

export function retryableFailure(
  message: string,
  type: string,
  retryAfterMs?: number,
  cause?: unknown,
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: false,
    ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
    ...(cause instanceof Error ? { cause } : {}),
  });
}

export function rejectedFailure(
  message: string,
  details?: Record<string, unknown>,
): ApplicationFailure {
  return details === undefined
    ? ApplicationFailure.nonRetryable(message, PROVIDER_FAILURE.rejected)
    : ApplicationFailure.nonRetryable(message, PROVIDER_FAILURE.rejected, details);
}

/**
 * The failure for an HTTP error status of a provider.
 * @param provider e.g. "Resend"
 * @param detail what the provider said, e.g. "invalid from address: The from field is invalid"
 */
export function failureForStatus(
  provider: string,
  status: number,
  detail: string,
  retryAfter?: string | null,
): ApplicationFailure {
  if (status === 429) {
    return retryableFailure(
      `${provider} rate limit (429): ${detail}`,
      PROVIDER_FAILURE.rateLimited,
      parseRetryAfter(retryAfter),
    );
  }
  if (status >= 500 || status < 400) {
    return retryableFailure(
      `${provider} is unavailable (${status}): ${detail}`,
      PROVIDER_FAILURE.unavailable,
      parseRetryAfter(retryAfter),
    );
  }
  return rejectedFailure(`${provider} rejected the message: ${detail}`, { provider, status });
}
