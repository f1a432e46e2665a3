/**
 * What the server gives its route modules. Kept apart from server.ts, which imports the routes,
 * so that no module in src/http imports another in a loop.
 */
import type http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Db } from '../services/database.js';

export interface HttpDeps {
  db: Db;
  /** The Temporal client, or a getter while it is still connecting (the endpoint starts without it). */
  temporal: Client | (() => Client | undefined);
  /**
   * The secrets the routes check: `apiKey` (POST /events), `shopifyWebhookSecret`
   * (POST /webhooks/shopify), `providerFeedback` (POST /webhooks/resend and /webhooks/twilio),
   * `signingSecret` (unsubscribe tokens), `operatorKey` (dashboard,
   * report, metrics unless `metricsPublic`, codec). A route whose secret is not set refuses every
   * request.
   */
  config?: Pick<Config, 'apiKey' | 'shopifyWebhookSecret' | 'signingSecret'> &
    Partial<
      Pick<
        Config,
        | 'payloadEncryptionKey'
        | 'temporal'
        | 'shop'
        | 'operatorKey'
        | 'metricsPublic'
        | 'unsubscribeLinkDays'
        | 'eventClockToleranceSeconds'
        | 'publicUrl'
        | 'providerFeedback'
        | 'deliverability'
        | 'email'
      >
    >;
  /** host:port/database of DATABASE_URL (never the password), named by the log of a Postgres outage. */
  databaseAddress?: string;
  /** Called after new events are stored in the inbox: wakes the inbox processor. */
  onEventsAccepted?: () => void;
  /** Body limit of POST /events (default 256 KiB). */
  maxBodyBytes?: number;
  /** Time a request has to arrive whole, headers and body (default 30 s; headers within 10 s). */
  requestTimeoutMs?: number;
}

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => Promise<void>;
