/**
 * The start queue on a Temporal dev server and real Postgres, with the real workers: events applied
 * by a processor that leaves the journeys to the queue (as `npm start`'s does), the queue drained
 * by its starter. One journey per entry whatever is applied twice, crashes, or fails; a signal
 * never overtakes a queued start; the per-contact rule of a keyed entry holds across the queue; a
 * pause holds the queue, even for a start claimed just before it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign, setCampaignActive } from '../../src/campaigns/admin.js';
import { journeyInput, startJourneyWorkflow } from '../../src/campaigns/enrolment.js';
import { journeyQuery } from '../../src/campaigns/journey-contract.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { getCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { claimDueStarts } from '../../src/db/start-queue.js';
import { type ApplyResult, applyEvent } from '../../src/inbox/apply.js';
import { starter } from '../../src/inbox/journey-entry.js';
import { parseStoredEvent } from '../../src/inbox/events.js';
import { processInboxBatch } from '../../src/inbox/processor.js';
import {
  drainStartQueue,
  START_LEASE_SECONDS,
  startRowsInHand,
  startStartQueue,
} from '../../src/inbox/start-queue.js';
import { collectMetrics } from '../../src/reports/metrics.js';
import { inboxOverview } from '../../src/services/inbox.js';
import { type CliRun, runCli } from '../cli/support.js';
import { unreachableTemporal } from '../http/support.js';
import { until } from '../support/processes.js';
import { checkoutEvent, type InboxHarness, startInboxHarness, WELCOME } from './harness.js';

type Registration = Extract<ApplyResult, { type: 'account_registered' }>;
type Purchase = Extract<ApplyResult, { type: 'purchase' }>;

const registration = (email: string) => ({
  type: 'account_registered',
  contact: { email, newsletter: 'subscribed' },
});

describe('the start queue', () => {
  let h: InboxHarness;
  let down: Client;
  /** The processor's way: journeys queued as events are applied, started by the queue's starter. */
  const queueing = () => ({ ...h.deps, queueStarts: true });

  const queued = (contactId: number) =>
    h.database.db
      .selectFrom('journey_starts')
      .selectAll()
      .where('contact_id', '=', contactId)
      .execute();
  const journeyRows = (contactId: number) =>
    h.database.db
      .selectFrom('journeys')
      .select('workflow_id')
      .where('contact_id', '=', contactId)
      .execute();
  const messages = (contactId: number) =>
    h.database.db.selectFrom('messages').select('id').where('contact_id', '=', contactId).execute();
  const exists = (workflowId: string) =>
    h.env.client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return false;
          throw err;
        },
      );
  /** Posts a registration and applies it with the journeys left to the queue. */
  const registerQueued = async (email: string) => {
    await h.postEvent(registration(email));
    const summary = await processInboxBatch(queueing());
    expect(summary).toMatchObject({ applied: 1 });
    return summary.outcomes[0]!.result as Registration;
  };
  /** Every queued start due now (a lease or a backoff passed). */
  const makeDue = () =>
    h.database.db
      .updateTable('journey_starts')
      .set({ due_at: new Date(Date.now() - 1000) })
      .execute();

  beforeAll(async () => {
    [h, down] = await Promise.all([startInboxHarness('start-queue'), unreachableTemporal()]);
    const { db } = h.database;
    await generateCoupons(db, 'abandoned-checkout', 10, { prefix: 'CART-' });
    await createCheckedCampaign(
      db,
      parseYaml(
        await readFile(
          path.join(PROJECT_ROOT, 'examples', 'flows', 'abandoned-checkout.yaml'),
          'utf8',
        ),
      ) as unknown,
    );
  }, 120_000);
  afterAll(async () => {
    await down?.connection.close();
    await h?.teardown();
  });

  it('applies a registration without starting its journey; the starter starts it, once', async () => {
    const result = await registerQueued('queued@example.com');
    const workflowId = `${WELCOME}/${result.contactId}`;
    expect(result.journeys).toEqual([
      { campaignId: WELCOME, workflowId, outcome: 'started', queued: true },
    ]);
    // Applied: the contact is written and its journey waits in the queue, not in Temporal.
    expect(await queued(result.contactId)).toMatchObject([
      { workflow_id: workflowId, campaign_id: WELCOME, attempts: 0 },
    ]);
    expect(await exists(workflowId)).toBe(false);
    expect(
      (await inboxOverview(h.database.db, 'pending', 1)).startQueue.queued,
    ).toBeGreaterThanOrEqual(1);

    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 1, failed: 0 });
    await h.journeyAt(workflowId, 'wait');
    expect(await queued(result.contactId)).toEqual([]);
    expect(await journeyRows(result.contactId)).toEqual([{ workflow_id: workflowId }]);
  });

  it('queues once when the same event is applied twice, and not at all once its journey runs', async () => {
    const posted = await h.postEvent(registration('twice@example.com'));
    const row = await h.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('id', '=', posted.body.id)
      .executeTakeFirstOrThrow();
    const event = parseStoredEvent(row.payload);
    // As a processor that died before recording the outcome would apply it again.
    const first = (await applyEvent(queueing(), event, row.received_at)) as Registration;
    const again = (await applyEvent(queueing(), event, row.received_at)) as Registration;
    expect(again.journeys).toEqual(first.journeys);
    expect(await queued(first.contactId)).toHaveLength(1);

    await drainStartQueue(starter(h.deps));
    const later = (await applyEvent(queueing(), event, row.received_at)) as Registration;
    expect(later.journeys).toMatchObject([{ outcome: 'already_enrolled' }]);
    expect(await queued(first.contactId)).toEqual([]);
    await h.database.db.deleteFrom('inbox_events').where('id', '=', posted.body.id).execute();
  });

  it('starts one journey when a starter died between the start and the delete', async () => {
    const { contactId } = await registerQueued('crash@example.com');
    const workflowId = `${WELCOME}/${contactId}`;
    // A starter claims the row (the only one queued) and starts the workflow, then dies: the row
    // stays, leased.
    const [claimed, ...others] = await claimDueStarts(h.database.db, {
      limit: 100,
      leaseSeconds: 120,
    });
    expect(others).toEqual([]);
    expect(claimed).toMatchObject({ workflowId });
    const { definition } = await getCampaign(h.database.db, WELCOME);
    expect(
      await startJourneyWorkflow(
        starter(h.deps),
        workflowId,
        journeyInput(definition, claimed!.definitionVersion, contactId, undefined),
      ),
    ).toBe('started');
    const { runId } = await h.env.client.workflow.getHandle(workflowId).describe();
    // Leased: another starter leaves it alone until the lease passes.
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, alreadyStarted: 0 });
    await makeDue();
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, alreadyStarted: 1 });
    expect(await queued(contactId)).toEqual([]);
    await h.journeyAt(workflowId, 'wait');
    expect((await h.env.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
    expect(await messages(contactId)).toHaveLength(1);
  });

  it('keeps a start that failed queued with its error, and starts it at a later drain', async () => {
    const { contactId } = await registerQueued('unreachable@example.com');
    const workflowId = `${WELCOME}/${contactId}`;
    expect(await drainStartQueue({ ...starter(h.deps), client: down })).toMatchObject({
      started: 0,
      failed: 1,
    });
    const [row] = await queued(contactId);
    expect(row).toMatchObject({ workflow_id: workflowId, attempts: 1 });
    expect(row!.last_error).toMatch(/UNAVAILABLE|connect/i);
    expect(row!.due_at.getTime()).toBeGreaterThan(Date.now());
    expect((await inboxOverview(h.database.db, 'pending', 1)).startQueue).toMatchObject({
      failing: 1,
    });
    const list = await runCli(h.database.url, ['inbox', 'list']);
    expect(list.stdout).toMatch(
      /journeys waiting to start: 1 \(1 failing, retried\), oldest queued/,
    );
    const metrics = await collectMetrics(h.database.db);
    expect(
      metrics.find((m) => m.name === 'boomerang_journey_starts_queued')!.samples,
    ).toContainEqual({ labels: { state: 'failing' }, value: 1 });

    // Not due before its backoff; started once it is.
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0 });
    await makeDue();
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 1, failed: 0 });
    await h.journeyAt(workflowId, 'wait');
    expect(await queued(contactId)).toEqual([]);
  });

  it("says once that Temporal's outage holds starts up, counts their retries a line a minute, and says when they go through", async () => {
    const a = await registerQueued('held-a@example.com');
    const b = await registerQueued('held-b@example.com');
    const lines: string[] = [];
    const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
    let clock = 0;
    // Temporal down, then back: the starter reads its client at each start.
    const deps = { ...starter(h.deps), client: down };
    const starts = startStartQueue(deps, { intervalMs: 50, log, now: () => clock });
    try {
      const attempts = async () =>
        (await queued(a.contactId)).concat(await queued(b.contactId)).map((r) => r.attempts);
      // Three rounds of both starts failing: their backoffs passed at once each time.
      for (const round of [1, 2, 3]) {
        await makeDue();
        await until(
          async () => (await attempts()).every((n) => n >= round) || undefined,
          `round ${round}`,
        );
      }
      const outageLines = () =>
        lines.filter((l) =>
          /^start queue: (\d+ journey starts? not|still|journey starts held)/.test(l),
        );
      expect(outageLines()).toEqual([
        expect.stringMatching(
          /^start queue: 2 journey starts not started: Temporal does not answer \(UNAVAILABLE: .*ECONNREFUSED.*\); they stay queued and are retried until it passes, with a line a minute meanwhile$/,
        ),
      ]);
      // No line per round for them.
      expect(lines.filter((l) => l.includes('failed, kept and retried'))).toEqual([]);

      clock += 60_000;
      await makeDue();
      const still = await until(
        async () => lines.find((l) => l.startsWith('start queue: still not starting journeys')),
        'the line of the minute',
      );
      expect(still).toMatch(
        /: Temporal does not answer \(.+\); \d+ attempts failed for it since the last line$/,
      );

      deps.client = h.env.client;
      await makeDue();
      await until(
        async () =>
          lines.some((l) =>
            l.startsWith('start queue: journey starts held up by the outage go through again'),
          ) || undefined,
        'the line saying starts go through again',
      );
      expect(await attempts()).toEqual([]);
      expect(await exists(`${WELCOME}/${a.contactId}`)).toBe(true);
      expect(await exists(`${WELCOME}/${b.contactId}`)).toBe(true);
    } finally {
      await starts.stop();
    }
  });

  it('parks a start that keeps failing for a reason other than an outage; an operator retries or discards it', async () => {
    const a = await registerQueued('parked-a@example.com');
    const b = await registerQueued('parked-b@example.com');
    const [idA, idB] = [`${WELCOME}/${a.contactId}`, `${WELCOME}/${b.contactId}`];
    // The server refuses these starts whatever the retry: the namespace does not exist.
    const refused = new Client({
      connection: h.env.client.connection,
      namespace: 'no-such-namespace',
    });
    for (const parked of [0, 0, 2]) {
      await makeDue();
      expect(
        await drainStartQueue({ ...starter(h.deps), client: refused }, { parkAfter: 3 }),
      ).toMatchObject({ started: 0, failed: 2, parked });
    }
    for (const contactId of [a.contactId, b.contactId]) {
      const [row] = await queued(contactId);
      expect(row).toMatchObject({ attempts: 3 });
      expect(row!.parked_at).toBeInstanceOf(Date);
      expect(row!.last_error).toMatch(/no-such-namespace/);
    }
    // No starter takes a parked start, due or not.
    await makeDue();
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, failed: 0 });
    expect((await inboxOverview(h.database.db, 'pending', 1)).startQueue).toMatchObject({
      queued: 0,
      parked: 2,
    });
    expect((await runCli(h.database.url, ['inbox', 'list'])).stdout).toMatch(
      /journeys waiting to start: 0; 2 parked after too many failed attempts/,
    );
    const metrics = await collectMetrics(h.database.db);
    expect(
      metrics.find((m) => m.name === 'boomerang_journey_starts_queued')!.samples,
    ).toContainEqual({ labels: { state: 'parked' }, value: 2 });
    const listed = await runCli(h.database.url, ['inbox', 'starts']);
    expect(listed.stdout).toContain(idA);
    expect(listed.stdout).toContain(idB);
    expect(listed.stdout).toMatch(/no-such-namespace/);

    // The contact's purchase is applied, not held behind the parked start.
    await h.postEvent({
      type: 'purchase',
      contact: { email: 'parked-a@example.com' },
      order: { id: 'parked-1', total: 30, currency: 'EUR', placed_at: new Date().toISOString() },
    });
    expect(await processInboxBatch(queueing())).toMatchObject({ applied: 1, failed: 0 });

    // Retried: queued again from attempt 0, and started by the next drain.
    const retried = await runCli(h.database.url, ['inbox', 'retry-starts', idA]);
    expect(retried).toMatchObject({ code: 0 });
    expect(retried.stdout).toMatch(/1 journey start queued again/);
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 1, failed: 0 });
    expect(await exists(idA)).toBe(true);
    expect(await queued(a.contactId)).toEqual([]);

    // Discarded: out of the queue, never started; a second discard names it as not parked.
    const discarded = await runCli(h.database.url, ['inbox', 'discard-starts', '--all-parked']);
    expect(discarded.stdout).toMatch(
      new RegExp(`1 journey start discarded, never to start: ${idB}`),
    );
    expect(await queued(b.contactId)).toEqual([]);
    await makeDue();
    await drainStartQueue(starter(h.deps));
    expect(await exists(idB)).toBe(false);
    const again = await runCli(h.database.url, ['inbox', 'discard-starts', idB]);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(/not a parked start/);
  });

  it('starts a queued journey before a purchase right after the registration signals it', async () => {
    const email = 'quick@example.com';
    const { contactId } = await registerQueued(email);
    const workflowId = `${WELCOME}/${contactId}`;
    expect(await exists(workflowId)).toBe(false);
    await h.postEvent({
      type: 'purchase',
      contact: { email },
      order: { id: 'quick-1', total: 30, currency: 'EUR', placed_at: new Date().toISOString() },
    });
    const summary = await processInboxBatch(queueing());
    expect(summary.outcomes[0]!.result).toMatchObject({ newPurchase: true, journeysSignalled: 1 });
    expect(await queued(contactId)).toEqual([]);
    // The journey, started before the signal, holds the purchase.
    const state = await h.env.client.workflow.getHandle(workflowId).query(journeyQuery);
    expect(state.purchases).toMatchObject([{ orderId: 'quick-1' }]);
  });

  it("holds a keyed entry's per-contact rule across queued starts: two checkouts, one journey", async () => {
    const { id: contactId } = await h.database.db
      .insertInto('contacts')
      .values({ email: 'carts@example.com', newsletter_status: 'subscribed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const checkout = (id: string) => checkoutEvent('checkout_started', id, 'carts@example.com');
    const events = await Promise.all(
      ['cart-a', 'cart-b'].map(async (id) => {
        const posted = await h.postEvent(checkout(id));
        return h.database.db
          .selectFrom('inbox_events')
          .selectAll()
          .where('id', '=', posted.body.id)
          .executeTakeFirstOrThrow();
      }),
    );
    // Both applied at once, as two processors would.
    const results = await Promise.all(
      events.map((row) => applyEvent(queueing(), parseStoredEvent(row.payload), row.received_at)),
    );
    const outcomes = results.flatMap((r) =>
      (r as Exclude<ApplyResult, Purchase> & { journeys: { outcome: string }[] }).journeys.map(
        (j) => j.outcome,
      ),
    );
    expect(outcomes.sort()).toEqual(['already_enrolled', 'started']);
    // Queued, or started already (the second checkout's signal to the contact starts it first).
    expect((await queued(contactId)).length + (await journeyRows(contactId)).length).toBe(1);
    await drainStartQueue(starter(h.deps));
    expect(await queued(contactId)).toEqual([]);
    expect(await journeyRows(contactId)).toHaveLength(1);
    const running = await h.env.client.workflow.list({
      query: `BoomerangContactId = "${contactId}"`,
    });
    const ids: string[] = [];
    for await (const execution of running) ids.push(execution.workflowId);
    expect(ids.length).toBeLessThanOrEqual(1);
    await h.database.db
      .deleteFrom('inbox_events')
      .where(
        'id',
        'in',
        events.map((e) => e.id),
      )
      .execute();
  });

  it('holds the starts of a paused campaign until it is resumed, and drops those of a stopped one', async () => {
    const { contactId } = await registerQueued('paused@example.com');
    const workflowId = `${WELCOME}/${contactId}`;
    const pause = await runCli(h.database.url, ['campaign', 'pause', WELCOME]);
    expect(pause).toMatchObject({ code: 0 });
    expect(pause.stdout).toContain(
      '1 journey its events queued before the pause waits until it is resumed',
    );
    let resumed: CliRun;
    try {
      // Paused: no starter takes it, and it is shown apart from the starts that wait for one.
      await makeDue();
      expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, failed: 0 });
      expect(await exists(workflowId)).toBe(false);
      expect(await queued(contactId)).toMatchObject([{ workflow_id: workflowId, attempts: 0 }]);
      const { startQueue } = await inboxOverview(h.database.db, 'pending', 1);
      expect(startQueue).toMatchObject({ queued: 0, held: 1 });
      const held = await runCli(h.database.url, ['inbox', 'starts', '--state', 'held']);
      expect(held.stdout).toContain(workflowId);
      // Listing another state says where the held start is.
      expect((await runCli(h.database.url, ['inbox', 'starts', '--state', 'waiting'])).stdout).toBe(
        'no waiting journey starts; 1 held (--state held)\n',
      );
      expect(await collectMetrics(h.database.db)).toContainEqual(
        expect.objectContaining({
          name: 'boomerang_journey_starts_queued',
          samples: expect.arrayContaining([{ labels: { state: 'held' }, value: 1 }]) as unknown,
        }),
      );
      // The contact's purchase is applied without waiting for the held start.
      await h.postEvent({
        type: 'purchase',
        contact: { email: 'paused@example.com' },
        order: { id: 'paused-1', total: 30, currency: 'EUR', placed_at: new Date().toISOString() },
      });
      expect((await processInboxBatch(queueing())).outcomes[0]!.result).toMatchObject({
        newPurchase: true,
        journeysSignalled: 0,
      });
      expect(await exists(workflowId)).toBe(false);
    } finally {
      resumed = await runCli(h.database.url, ['campaign', 'resume', WELCOME]);
    }
    expect(resumed.stdout).toContain('1 journey held by the pause starts now');
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 1 });
    expect(await exists(workflowId)).toBe(true);
    expect(await queued(contactId)).toEqual([]);

    // Stopped: the queued start is dropped, its journey never starts.
    await h.database.db
      .insertInto('contacts')
      .values({ email: 'stopped@example.com', newsletter_status: 'subscribed' })
      .execute();
    await h.postEvent(checkoutEvent('checkout_started', 'cart-stopped', 'stopped@example.com'));
    await processInboxBatch(queueing());
    const stoppedStarts = await h.database.db
      .selectFrom('journey_starts')
      .select('workflow_id')
      .where('campaign_id', '=', 'abandoned-checkout')
      .execute();
    expect(stoppedStarts).toHaveLength(1);
    await h.database.db
      .updateTable('campaigns')
      .set({ status: 'stopped' })
      .where('id', '=', 'abandoned-checkout')
      .execute();
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, dropped: 1 });
    expect(await exists(stoppedStarts[0]!.workflow_id)).toBe(false);
    expect(
      await h.database.db.selectFrom('journey_starts').select('workflow_id').execute(),
    ).toEqual([]);
  });

  it('puts a start claimed just before its campaign was paused back in the queue, held; resumed, it starts once', async () => {
    const { contactId } = await registerQueued('claimed-then-paused@example.com');
    const workflowId = `${WELCOME}/${contactId}`;
    // A starter claims the row while the campaign is active,
    const claimed = await claimDueStarts(h.database.db, {
      limit: 100,
      leaseSeconds: START_LEASE_SECONDS,
    });
    expect(claimed.map((r) => r.workflowId)).toEqual([workflowId]);
    // the campaign is paused,
    await setCampaignActive(h.database.db, WELCOME, 'paused');
    try {
      // and only then does the starter read its status and settle the row: not started, but
      // back in the queue, held, its lease given up.
      expect(await startRowsInHand(starter(h.deps), claimed)).toMatchObject({
        held: 1,
        dropped: 0,
        failed: [],
        started: new Map(),
      });
      expect(await exists(workflowId)).toBe(false);
      const [row, ...others] = await queued(contactId);
      expect(others).toEqual([]);
      expect(row).toMatchObject({ workflow_id: workflowId, attempts: 0, parked_at: null });
      expect(row!.due_at.getTime()).toBeLessThanOrEqual(Date.now());
      expect((await inboxOverview(h.database.db, 'pending', 1)).startQueue).toMatchObject({
        queued: 0,
        held: 1,
      });
      expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, held: 0 });
      expect(await exists(workflowId)).toBe(false);
    } finally {
      await setCampaignActive(h.database.db, WELCOME, 'active');
    }
    // Resumed: the next drain starts it at once (no lease to wait out), and no later one again.
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 1, alreadyStarted: 0 });
    expect(await drainStartQueue(starter(h.deps))).toMatchObject({ started: 0, alreadyStarted: 0 });
    await h.journeyAt(workflowId, 'wait');
    expect(await queued(contactId)).toEqual([]);
    expect(await journeyRows(contactId)).toEqual([{ workflow_id: workflowId }]);
    expect(await messages(contactId)).toHaveLength(1);
  });
});
