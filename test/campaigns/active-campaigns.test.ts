/**
 * Every custom event and paid order reads the active flows that start on it. Their definitions
 * are parsed once per campaign version: on real Postgres, a second event finds the same parsed
 * definitions, and a campaign created, updated, paused or stopped in between counts at once.
 */
import { describe, expect, it } from 'vitest';
import { campaignsStartedBy } from '../../src/campaigns/enrolment.js';
import {
  createCampaign,
  setCampaignStatus,
  updateCampaignDefinition,
} from '../../src/db/campaigns.js';
import { useTestDatabase } from '../support/db.js';

const flow = (id: string, name = id) => ({
  id,
  name,
  kind: 'flow',
  audience: { limitation: 'all' },
  nodes: {
    start: { type: 'entry', trigger: 'event', event: 'review_written', next: 'done' },
    done: { type: 'exit', reason: 'completed' },
  },
});

describe('the active campaigns an event starts, kept between events', () => {
  const database = useTestDatabase();

  it('parses each version once, and sees every create, update, pause and stop at the next event', async () => {
    const { db } = database;
    const started = async () =>
      (await campaignsStartedBy(db, 'review_written')).map((c) => ({
        id: c.definition.id,
        name: c.definition.name,
        version: c.version,
      }));
    await createCampaign(db, flow('a'));
    const first = await campaignsStartedBy(db, 'review_written');
    const second = await campaignsStartedBy(db, 'review_written');
    expect(second[0]!.definition).toBe(first[0]!.definition);

    await updateCampaignDefinition(db, 'a', flow('a', 'A, second version'), 'keep');
    await createCampaign(db, flow('b'));
    expect(await started()).toEqual([
      { id: 'a', name: 'A, second version', version: 2 },
      { id: 'b', name: 'b', version: 1 },
    ]);

    await setCampaignStatus(db, 'a', 'paused');
    expect((await started()).map((c) => c.id)).toEqual(['b']);
    await setCampaignStatus(db, 'a', 'active');
    await setCampaignStatus(db, 'b', 'stopped');
    expect(await started()).toEqual([{ id: 'a', name: 'A, second version', version: 2 }]);
    expect(await campaignsStartedBy(db, 'checkout_started')).toEqual([]);
  });
});
