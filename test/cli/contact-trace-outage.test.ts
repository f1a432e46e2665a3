/**
 * `boomerang contact trace` while Temporal does not answer: the journeys as Postgres recorded them
 * (row and the nodes entered), after one line saying why Temporal was not asked.
 */
import { describe, expect, it } from 'vitest';
import { upsertContact } from '../../src/db/contacts.js';
import { recordJourneyEvents } from '../../src/db/journeys.js';
import { insertJourneyRow, lowClvCampaign } from '../support/campaigns.js';
import { useTestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { runCli } from './support.js';

describe('boomerang contact trace with Temporal down', () => {
  const database = useTestDatabase();

  it('shows the journeys Postgres recorded, saying Temporal did not answer', async () => {
    const { db } = database;
    await lowClvCampaign(db, 'trace-outage', { name: 'Trace outage', coupons: 1 });
    const { contact } = await upsertContact(db, { email: 'outage@example.com' });
    await insertJourneyRow(db, 'trace-outage', contact.id, { holdout: false });
    const workflowId = `trace-outage/${contact.id}`;
    const entered = (step: string, at: string) => ({
      key: `${workflowId}/${step}#1:entered`,
      workflowId,
      campaignId: 'trace-outage',
      contactId: contact.id,
      type: 'step_entered',
      step,
      detail: { definitionVersion: 1 },
      at: new Date(at),
    });
    await recordJourneyEvents(db, [
      entered('is_in_segment', '2026-12-01T10:00:00.000Z'),
      entered('wait', '2026-12-01T10:00:01.000Z'),
    ]);

    const port = await freePort();
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    try {
      const trace = await runCli(database.url, ['contact', 'trace', 'outage@example.com']);
      expect(trace.code).toBe(0);
      const [first, ...table] = trace.stdout.split('\n');
      expect(first).toMatch(
        new RegExp(
          `^cannot reach Temporal at 127\\.0\\.0\\.1:${port} \\(.+\\): set TEMPORAL_ADDRESS .*; the journeys as Postgres recorded them \\(no running state or wake-ups\\):$`,
        ),
      );
      expect(table.join('\n')).toMatch(/trace-outage\s+trace-outage\s+v1\s+not ended\s+wait/);

      const json = await runCli(database.url, ['contact', 'trace', '--json', String(contact.id)]);
      const parsed = JSON.parse(json.stdout) as {
        temporalUnreachable: string;
        journeys: { workflowId: string; status: string; steps: { step: string }[] }[];
      };
      expect(parsed.temporalUnreachable).toMatch(/^cannot reach Temporal/);
      expect(parsed.journeys).toMatchObject([
        { workflowId, status: 'NOT ENDED', steps: [{ step: 'is_in_segment' }, { step: 'wait' }] },
      ]);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }
  });
});
