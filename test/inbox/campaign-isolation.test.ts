/**
 * One bad campaign must not stop the others: a welcome campaign whose definition is too big for
 * Temporal (saved before definitions had a size limit) fails its own enrolment, not every
 * campaign's; `campaign create` refuses such a definition, naming its size and the limit.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCampaignDefinition, MAX_DEFINITION_BYTES } from '../../src/campaigns/check.js';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { CampaignDefinitionError } from '../../src/domain/campaigns/definition.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import { acceptEvents } from '../../src/inbox/store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createDevServerEnv, uniqueTaskQueue } from '../support/temporal.js';

/** A welcome campaign whose voucher email's HTML makes its definition about `bytes` long. */
const welcomeOfBytes = (id: string, bytes: number) => ({
  id,
  name: id,
  kind: 'welcome_voucher',
  couponSet: 'welcome',
  emails: {
    voucher: {
      subject: 'Your voucher {{ coupon.code }}',
      html: `<p>{{ coupon.code }} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p><!--${'x'.repeat(Math.max(0, bytes - 2000))}-->`,
    },
  },
});

describe('campaigns are isolated', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  const taskQueue = uniqueTaskQueue('isolation');

  beforeAll(async () => {
    [env, database] = await Promise.all([createDevServerEnv(), createTestDatabase()]);
    await generateCoupons(database.db, 'welcome', 5);
  });
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  it('a 5 MB campaign fails its own enrolment; the healthy campaign still enrols every registration', async () => {
    // Saved as a campaign from before the limit would have been ("a-…": it is enrolled first).
    await saveCampaign(database.db, welcomeOfBytes('a-oversized', 5 * 1024 * 1024));
    await saveCampaign(database.db, welcomeOfBytes('welcome-voucher', 3000));
    const accepted = await acceptEvents(database.db, 'api', {
      type: 'account_registered',
      contact: { email: 'isolated@example.com', newsletter: 'subscribed' },
    });
    expect(accepted.ok).toBe(true);

    const summary = await processInboxBatch({
      db: database.db,
      temporal: env.client,
      taskQueue,
    });
    const [outcome] = summary.outcomes;
    // The event is not applied (it is retried, then parked, for the oversized campaign) …
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome!.error).toContain('campaign a-oversized failed to enrol');
    expect(outcome!.error).toContain('enrolled in welcome-voucher');
    // … but the contact is in the healthy campaign's journey.
    const contact = await database.db
      .selectFrom('contacts')
      .select('id')
      .where('email', '=', 'isolated@example.com')
      .executeTakeFirstOrThrow();
    const journey = await env.client.workflow.getHandle(`welcome-voucher/${contact.id}`).describe();
    expect(journey.status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(`welcome-voucher/${contact.id}`).terminate('test over');
  });

  it('campaign create refuses a definition over 256 KiB with its size and the limit; one at the limit is accepted', async () => {
    const refused = await checkCampaignDefinition(
      database.db,
      welcomeOfBytes('too-big', MAX_DEFINITION_BYTES + 10_000),
    ).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CampaignDefinitionError);
    expect((refused as Error).message).toMatch(
      /the definition is 2\d\d,\d{3} bytes as JSON; a campaign definition may be at most 262,144 bytes \(256 KiB\)/,
    );
    const atLimit = welcomeOfBytes('at-limit', MAX_DEFINITION_BYTES);
    const length = Buffer.byteLength(
      JSON.stringify(await checkCampaignDefinition(database.db, atLimit)),
    );
    expect(length).toBeLessThanOrEqual(MAX_DEFINITION_BYTES);
    expect(length).toBeGreaterThan(MAX_DEFINITION_BYTES - 4000);
  });
});
