/**
 * Journeys on the time-skipping server with Boomerang's HTTP server beside them, for the tests of
 * what a contact or a provider does to a running journey over HTTP (an unsubscribe link, a
 * bounce, a STOP reply).
 */
import type http from 'node:http';
import { afterAll } from 'vitest';
import { startJourney } from '../../src/campaigns/lifecycle.js';
import type { Config } from '../../src/config.js';
import type { MessageRow } from '../../src/db/schema.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { lowClvCampaign } from './campaigns.js';
import { lowValueCustomer } from './customers.js';
import { until } from './processes.js';
import { type Stack, useStack } from './stack.js';

export interface HttpJourneyStack {
  stack: Stack;
  /** The HTTP server's address, e.g. `http://127.0.0.1:40123`. */
  readonly base: string;
  /**
   * A low-value customer (`email`) on the journey of a new low-CLV campaign `campaignId` (three
   * coupons), once its offer email is sent.
   */
  lowClvJourneyPastOffer(
    email: string,
    campaignId: string,
  ): Promise<{ id: number; workflowId: string; offer: MessageRow }>;
  /** The idempotency keys of the messages written to contact `id` (`<workflow id>/<step>`). */
  messageKeys(id: number): Promise<string[]>;
}

/**
 * The time-skipping stack with the real workers (no search attributes: the test server has
 * none), and the HTTP server over it with the workers' config as `configure` changes it.
 */
export function useHttpJourneyStack(
  configure: (config: Config) => Config = (config) => config,
): HttpJourneyStack {
  let server: http.Server | undefined;
  let base = '';
  const stack = useStack({
    timeSkipping: true,
    workers: { searchAttributes: false },
    setup: async ({ env, database, workers }) => {
      server = createHttpServer({
        db: database.db,
        temporal: env.client,
        config: configure(workers!.config),
      });
      base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    },
  });
  // Registered after the stack's: the server closes first.
  afterAll(() => {
    server?.close();
  });
  return {
    stack,
    get base() {
      return base;
    },
    async lowClvJourneyPastOffer(email, campaignId) {
      const db = stack.database.db;
      const id = await lowValueCustomer(db, email);
      const campaign = await lowClvCampaign(db, campaignId, { name: campaignId, coupons: 3 });
      const { workflowId } = await startJourney(
        {
          client: stack.env.client,
          db,
          taskQueue: stack.workers!.config.temporal.taskQueue,
          searchAttributes: false,
        },
        campaign,
        id,
      );
      const offer = await until(
        () =>
          db
            .selectFrom('messages')
            .selectAll()
            .where('contact_id', '=', id)
            .where('status', '=', 'sent')
            .executeTakeFirst(),
        'the offer email',
      );
      return { id, workflowId, offer };
    },
    async messageKeys(id) {
      const messages = await stack.database.db
        .selectFrom('messages')
        .select('idempotency_key')
        .where('contact_id', '=', id)
        .execute();
      return messages.map((m) => m.idempotency_key);
    },
  };
}
