/**
 * The enrolment module on real Postgres, with a client that records the journeys it is asked to
 * start: each trigger starts the kind's workflow with the definition and version read for its
 * batch, and the launch guard refuses what the CLI refused, before asking Temporal anything.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  campaignsStartedBy,
  enrolAudienceBatch,
  launchCampaign,
  CampaignNotLaunchableError,
} from '../../src/campaigns/enrolment.js';
import type { JourneyInput } from '../../src/campaigns/journey-contract.js';
import { enterJourneys } from '../../src/inbox/journey-entry.js';
import { saveCampaign, setCampaignStatus } from '../../src/db/campaigns.js';
import { loadConfig } from '../../src/config.js';
import { useTestDatabase } from '../support/db.js';

interface Started {
  type: string;
  workflowId: string;
  input: JourneyInput;
}

/** A Temporal client that only records the workflows it is asked to start. */
function recordingClient(): { client: Client; started: Started[] } {
  const started: Started[] = [];
  const client = {
    workflow: {
      async start(type: string, opts: { workflowId: string; args: [JourneyInput] }) {
        started.push({ type, workflowId: opts.workflowId, input: opts.args[0] });
      },
    },
  } as unknown as Client;
  return { client, started };
}

describe('enrolment', () => {
  const database = useTestDatabase();

  it('launches the audience with the definition and version read for the batch', async () => {
    const { db } = database;
    const ids = await db
      .insertInto('contacts')
      .values([{ email: 'a@example.com' }, { email: null }, { email: 'c@example.com' }])
      .returning('id')
      .execute();
    await saveCampaign(db, { id: 'low', name: 'Low', kind: 'low_clv_coupon', couponSet: 'x' });
    await saveCampaign(db, { id: 'low', name: 'Low v2', kind: 'low_clv_coupon', couponSet: 'x' });
    const { client, started } = recordingClient();

    const batch = await enrolAudienceBatch(
      { client, db, taskQueue: 'q', searchAttributes: false },
      { campaignId: 'low', afterContactId: 0, limit: 10 },
    );

    expect(batch).toMatchObject({ scanned: 2, started: 2, alreadyEnrolled: 0, done: true });
    expect(started.map((s) => [s.type, s.workflowId, s.input.definitionVersion])).toEqual([
      ['lowClvCouponJourney', `low/${ids[0]!.id}`, 2],
      ['lowClvCouponJourney', `low/${ids[2]!.id}`, 2],
    ]);
    expect(started.every((s) => s.input.campaign.name === 'Low v2')).toBe(true);
  });

  it('starts a registration’s journeys in the campaigns read once for the batch of events', async () => {
    const { db } = database;
    await saveCampaign(db, {
      id: 'welcome',
      name: 'Welcome',
      kind: 'welcome_voucher',
      couponSet: 'w',
    });
    await saveCampaign(db, {
      id: 'welcome-all',
      name: 'Welcome all',
      kind: 'welcome_voucher',
      couponSet: 'w',
      audience: { limitation: 'all' },
    });
    const campaigns = await campaignsStartedBy(db, 'account_registered');
    expect(campaigns.map((c) => c.definition.id)).toEqual(['welcome', 'welcome-all']);
    // An update after the batch read its campaigns: the batch's journeys start with what it read.
    await saveCampaign(db, {
      id: 'welcome',
      name: 'Welcome v2',
      kind: 'welcome_voucher',
      couponSet: 'w',
    });
    const { client, started } = recordingClient();
    const starter = { temporal: client, db, taskQueue: 'q', searchAttributes: false };

    const [registered, withoutEmail] = await db
      .insertInto('contacts')
      .values([{ email: 'r@example.com' }, { email: null }])
      .returning(['id', 'email'])
      .execute();

    const entered = await enterJourneys(starter, campaigns, registered!);
    const enteredWithoutEmail = await enterJourneys(starter, campaigns, withoutEmail!);

    expect(entered.map((j) => j.workflowId)).toEqual([
      `welcome/${registered!.id}`,
      `welcome-all/${registered!.id}`,
    ]);
    expect(enteredWithoutEmail.map((j) => j.workflowId)).toEqual([
      `welcome-all/${withoutEmail!.id}`,
    ]);
    expect(started.map((s) => [s.type, s.input.campaign.name, s.input.definitionVersion])).toEqual([
      ['welcomeVoucherJourney', 'Welcome', 1],
      ['welcomeVoucherJourney', 'Welcome all', 1],
      ['welcomeVoucherJourney', 'Welcome all', 1],
    ]);
  });

  it('refuses to launch a paused campaign, or one whose journeys start on another trigger', async () => {
    const { db } = database;
    const { client, started } = recordingClient();
    const deps = { db, client, config: loadConfig({}) };
    await saveCampaign(db, { id: 'paused', name: 'P', kind: 'low_clv_coupon', couponSet: 'x' });
    await setCampaignStatus(db, 'paused', 'paused');
    await saveCampaign(db, {
      id: 'lapsed',
      name: 'Lapsed',
      kind: 'inactive_reactivation',
      couponSet: 'x',
    });

    const refusal = (campaignId: string) =>
      launchCampaign(deps, { campaignId }).then(
        () => undefined,
        (err: unknown) => err,
      );
    const paused = await refusal('paused');
    expect(paused).toBeInstanceOf(CampaignNotLaunchableError);
    expect(paused).toMatchObject({ reason: 'not_active' });
    expect((paused as Error).message).toMatch(/is paused; resume it first/);
    const lapsed = await refusal('lapsed');
    expect(lapsed).toMatchObject({ reason: 'not_launched' });
    expect((lapsed as Error).message).toMatch(/starts on entry into segment "Can't lose them"/);
    await saveCampaign(db, { id: 'greet', name: 'G', kind: 'welcome_voucher', couponSet: 'x' });
    expect(await refusal('greet')).toMatchObject({ reason: 'not_launched' });
    // Paused or not, a campaign started by an event cannot be launched: resuming it is no help.
    await setCampaignStatus(db, 'greet', 'paused');
    const greet = await refusal('greet');
    expect(greet).toMatchObject({ reason: 'not_launched' });
    expect((greet as Error).message).toBe(
      'campaign "greet" cannot be launched: its journeys start when the event arrives; it starts when a contact registers (POST /events with type account_registered, or `boomerang event register`)',
    );
    expect(started).toEqual([]);
  });
});
