/**
 * A flow entered on a registration gets the registration as its entry event, so its branches can
 * test what the contact chose (country, locale, newsletter, SMS consent) and not who they are: on
 * real Postgres, through the inbox processor, with a client that records the journeys it starts.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { FlowEvent, JourneyInput } from '../../src/campaigns/journey-contract.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { useTestDatabase } from '../support/db.js';

const SPANISH_WELCOME = {
  id: 'hola',
  name: 'Hola',
  kind: 'flow',
  audience: { limitation: 'with_email' },
  nodes: {
    start: { type: 'entry', trigger: 'event', event: 'account_registered', next: 'spanish' },
    spanish: {
      type: 'branch',
      if: { entryEvent: { property: 'country', value: 'ES' } },
      then: 'done',
      else: 'done',
    },
    done: { type: 'exit', reason: 'completed' },
  },
};

describe('a registration as a flow’s entry event', () => {
  const database = useTestDatabase();

  it('starts the flow with the registration’s choices as properties, alone or in a lane with other events', async () => {
    const { db } = database;
    await saveCampaign(db, SPANISH_WELCOME);
    const started: { workflowId: string; entryEvent?: FlowEvent }[] = [];
    const temporal = {
      workflow: {
        async start(
          _type: string,
          opts: { workflowId: string; args: [JourneyInput & { entryEvent?: FlowEvent }] },
        ) {
          started.push({ workflowId: opts.workflowId, entryEvent: opts.args[0].entryEvent });
        },
      },
    } as unknown as Client;
    const registration = (email: string, registeredAt: string) => ({
      type: 'account_registered',
      contact: {
        email,
        first_name: 'Ada',
        phone: '+34612345678',
        country: 'ES',
        locale: 'es-ES',
        timezone: 'Europe/Madrid',
        newsletter: 'subscribed',
        sms_consent: true,
      },
      registered_at: registeredAt,
    });
    // Ada's registration is applied with the batch's other registrations; Bob's, followed by an
    // event of his in the same batch, is applied on its own.
    const accepted = await acceptEvents(db, 'api', {
      events: [
        registration('ada@example.com', '2026-12-01T10:00:00Z'),
        registration('bob@example.com', '2026-12-02T10:00:00Z'),
        { type: 'track', name: 'page_viewed', contact: { email: 'bob@example.com' } },
      ],
    });
    expect(accepted.ok).toBe(true);
    const summary = await processInboxBatch({ db, temporal, taskQueue: 'q' });
    expect(summary).toMatchObject({ applied: 3, failed: 0 });

    const properties = {
      country: 'ES',
      locale: 'es-ES',
      timezone: 'Europe/Madrid',
      newsletter: 'subscribed',
      sms_consent: true,
    };
    expect(started.map((s) => s.entryEvent)).toEqual([
      { name: 'account_registered', properties, occurredAt: '2026-12-01T10:00:00.000Z' },
      { name: 'account_registered', properties, occurredAt: '2026-12-02T10:00:00.000Z' },
    ]);
  });
});
