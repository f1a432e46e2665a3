/**
 * A campaign kind added from a folder outside src (test/fixtures/kinds/thank-you-note): registered,
 * its workflow bundled beside the built-in ones, it is created, checked, launched on its audience
 * and reported on like the three kinds of the seeds, without a line of src changed for it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { campaignsWithJourneys, createCheckedCampaign } from '../../src/campaigns/admin.js';
import { howItStarts, launchCampaign, stopCampaign } from '../../src/campaigns/enrolment.js';
import { campaignKinds, registerCampaignKind } from '../../src/campaigns/kinds/registry.js';
import { createChannels } from '../../src/channels/index.js';
import { loadConfig } from '../../src/config.js';
import { campaignGraph } from '../../src/domain/reports/graphs.js';
import { createControlWorker, createMessagesWorker, createWorker } from '../../src/worker.js';
import { thankYouNote } from '../fixtures/kinds/thank-you-note/index.js';
import { bundleWorkflowsQuietly } from '../support/bundle.js';
import { until } from '../support/processes.js';
import { SHOP_ENV, useStack } from '../support/stack.js';
import { uniqueTaskQueue } from '../support/temporal.js';

const FIXTURE_WORKFLOWS = fileURLToPath(new URL('../fixtures/kinds/workflows.ts', import.meta.url));

registerCampaignKind(thankYouNote);

describe('a fourth campaign kind from a fixture folder', () => {
  const config = loadConfig({
    BOOMERANG_SIGNING_SECRET: 'test-secret',
    ...SHOP_ENV,
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fourth-kind'),
  });
  let stopWorkers = async () => {};
  const stack = useStack({
    timeout: 180_000,
    setup: async ({ env, database }) => {
      const { code } = await bundleWorkflowsQuietly(FIXTURE_WORKFLOWS);
      const options = {
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue: config.temporal.taskQueue,
        deps: {
          db: database.db,
          config,
          temporal: env.client,
          channels: createChannels(config, database.db),
        },
        workflowBundle: { code },
      };
      const workers = await Promise.all([
        createWorker(options),
        createControlWorker(options),
        createMessagesWorker(options),
      ]);
      const running = Promise.all(workers.map((w) => w.run()));
      stopWorkers = async () => {
        for (const w of workers) w.shutdown();
        await running.catch(() => {});
      };
      await database.db
        .insertInto('contacts')
        .values([
          { email: 'ada@example.com', first_name: 'Ada', newsletter_status: 'subscribed' },
          { email: 'alan@example.com', first_name: 'Alan', newsletter_status: 'subscribed' },
          { email: 'grace@example.com', first_name: 'Grace', newsletter_status: 'subscribed' },
          // The audience is "contacts with email" by default: never enrolled.
          { email: null, first_name: 'Nobody', newsletter_status: 'subscribed' },
        ])
        .execute();
    },
  });

  it('is created, launched and run to its end like the built-in kinds', async () => {
    const { env, database } = stack;
    const deps = { db: database.db, client: env.client, config };
    try {
      expect(campaignKinds().map((k) => k.kind)).toContain('thank_you_note');
      const created = await createCheckedCampaign(database.db, {
        id: 'thanks',
        name: 'Thank every customer',
        kind: 'thank_you_note',
      });
      expect(created.definition).toMatchObject({ kind: 'thank_you_note', reentry: 'never' });
      expect(howItStarts(created.definition)).toBe(
        'launch it with: boomerang campaign launch thanks',
      );

      const launched = await launchCampaign(deps, { campaignId: 'thanks' });
      expect(launched.progress).toMatchObject({ total: 3, started: 3, done: true });

      const notes = await until(async () => {
        const rows = await database.db
          .selectFrom('messages')
          .selectAll()
          .where('campaign_id', '=', 'thanks')
          .orderBy('contact_id')
          .execute();
        return rows.length === 3 && rows.every((m) => m.status !== 'sending') && rows;
      }, 'one thank-you email per contact with an email');
      expect(notes.map((m) => [m.channel, m.status, m.subject])).toEqual([
        ['email', 'sent', 'Thank you, Ada'],
        ['email', 'sent', 'Thank you, Alan'],
        ['email', 'sent', 'Thank you, Grace'],
      ]);
      const ended = await until(async () => {
        const rows = await database.db
          .selectFrom('journeys')
          .select('end_reason')
          .where('campaign_id', '=', 'thanks')
          .where('ended_at', 'is not', null)
          .execute();
        return rows.length === 3 && rows;
      }, 'three journeys ended');
      expect(ended.map((j) => j.end_reason)).toEqual(['completed', 'completed', 'completed']);

      // A launch again enrols nobody twice; the list counts its journeys; its graph is its own.
      expect((await launchCampaign(deps, { campaignId: 'thanks' })).progress).toMatchObject({
        started: 0,
        alreadyEnrolled: 3,
      });
      const [listed] = await campaignsWithJourneys(database.db);
      expect(listed!.journeys).toEqual({ enrolled: 3, ended: 3 });
      expect(campaignGraph(created.definition).nodes.map((n) => n.id)).toEqual([
        'enrolled',
        'send_note',
      ]);
      expect(await stopCampaign(deps, { campaignId: 'thanks' })).toMatchObject({ stopped: 0 });
    } finally {
      await stopWorkers();
    }
  });
});
