/**
 * `campaign update --running adopt` when running journeys cannot be told: the new version is
 * saved, and the error says so, with the journeys not told and how to tell them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { CampaignUpdateIncompleteError, updateCampaign } from '../../src/campaigns/update.js';
import { getCampaign, saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { unreachableTemporal } from '../http/support.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertJourneyRow } from '../support/campaigns.js';
import { insertContact } from '../support/orders.js';

describe('campaign update --running adopt, Temporal unreachable', () => {
  let database: TestDatabase;
  let temporal: Client;
  const definition = {
    id: 'welcome',
    name: 'Welcome',
    kind: 'welcome_voucher',
    couponSet: 'welcome',
  };

  beforeAll(async () => {
    [database, temporal] = await Promise.all([createTestDatabase(), unreachableTemporal()]);
    await generateCoupons(database.db, 'welcome', 5);
    await saveCampaign(database.db, definition);
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await database?.drop();
  });

  it('says the version is saved and which running journeys were not told', async () => {
    const contactId = await insertContact(database.db, 'ada@example.com');
    await insertJourneyRow(database.db, 'welcome', contactId, { definition_version: 1 });
    const update = () =>
      updateCampaign(
        { db: database.db, temporal: async () => temporal },
        'welcome',
        { ...definition, emails: { voucher: 'low-clv-offer' } },
        'adopt',
      );
    const error = await update().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CampaignUpdateIncompleteError);
    const message = (error as Error).message;
    expect(message).toContain('campaign "welcome" is saved as version 2');
    expect(message).toContain('0 running journeys were told to adopt it; 1 of 1 was NOT told (');
    expect(message).toContain('and keeps the version it runs. Run the same');
    expect(message).toContain(`welcome/${contactId}: `);
    expect(message).toContain('--running adopt` again');
    expect((await getCampaign(database.db, 'welcome')).version).toBe(2);

    // Temporal cannot be reached at all: the same report, every running journey named.
    const down = await updateCampaign(
      {
        db: database.db,
        temporal: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
      'welcome',
      { ...definition, emails: { voucher: 'welcome-offer' } },
      'adopt',
    ).catch((err: unknown) => err);
    expect((down as Error).message).toContain('saved as version 3');
    expect((down as Error).message).toContain(`welcome/${contactId}: connect ECONNREFUSED`);
  });
});
