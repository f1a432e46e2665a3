/**
 * `boomerang event register|purchase|refund|track`: the same inbox as POST /events, applied at once, on a
 * Temporal dev server and real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCheckedCampaign } from '../../src/campaigns/admin.js';
import { closedPort } from '../http/support.js';
import { type CliRun, runCli } from '../cli/support.js';
import { type InboxHarness, startInboxHarness, WELCOME } from './harness.js';

describe('boomerang event', () => {
  let h: InboxHarness;

  /** Runs the CLI against the harness's database and Temporal (or another address). */
  const cli = async (args: string[], temporalAddress = h.env.address): Promise<CliRun> => {
    const saved = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: process.env.TEMPORAL_TASK_QUEUE,
    };
    process.env.TEMPORAL_ADDRESS = temporalAddress;
    process.env.TEMPORAL_TASK_QUEUE = h.taskQueue;
    // A command that found problems sets process.exitCode, which main() reads: one run per process in real life.
    process.exitCode = undefined;
    try {
      return await runCli(h.database.url, args);
    } finally {
      process.exitCode = undefined;
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  };

  /** The stored order with the shop's id `externalId`. */
  const storedOrder = (externalId: string) =>
    h.database.db
      .selectFrom('orders')
      .selectAll()
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();

  /** The Web UI link the CLI prints for a journey (the default UI address). */
  const uiLink = (workflowId: string) =>
    `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;

  beforeAll(async () => {
    h = await startInboxHarness('cli-event');
  });
  afterAll(async () => {
    await h?.teardown();
  });

  it('register stores the event in the inbox, applies it and starts the welcome journey', async () => {
    const register = [
      'event',
      'register',
      '--email',
      'ivy@example.com',
      '--first-name',
      'Ivy',
      '--newsletter',
      'subscribed',
      '--phone',
      '+44 20 7946 0958',
      '--sms-consent',
    ];
    const run = await cli([...register, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      inboxEventId: number;
      status: string;
      result: { contactId: number; journeys: unknown[] };
    };
    expect(out).toMatchObject({
      status: 'applied',
      duplicate: false,
      result: { type: 'account_registered', contact: 'inserted' },
    });
    const { contactId } = out.result;
    expect(out.result.journeys).toEqual([
      { campaignId: WELCOME, workflowId: `${WELCOME}/${contactId}`, outcome: 'started' },
    ]);
    expect(out).toMatchObject({
      startedJourneys: [
        {
          campaignId: WELCOME,
          workflowId: `${WELCOME}/${contactId}`,
          url: uiLink(`${WELCOME}/${contactId}`),
        },
      ],
    });
    expect(
      await h.database.db
        .selectFrom('inbox_events')
        .select(['source', 'type', 'processed_at'])
        .where('id', '=', out.inboxEventId)
        .executeTakeFirstOrThrow(),
    ).toMatchObject({
      source: 'cli',
      type: 'account_registered',
      processed_at: expect.any(Date),
    });
    expect(
      await h.database.db
        .selectFrom('contacts')
        .select(['phone', 'sms_consent'])
        .where('id', '=', contactId)
        .executeTakeFirstOrThrow(),
    ).toEqual({ phone: '+442079460958', sms_consent: true });
    await h.journeyAt(`${WELCOME}/${contactId}`, 'wait');

    // The same command again is the same event: nothing applied twice.
    const again = await cli(register);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^already received as inbox event ${out.inboxEventId}, applied at .*; nothing applied again`,
      ),
    );

    const bought = await cli([
      'event',
      'purchase',
      '--contact-id',
      String(contactId),
      '--order-id',
      'cli-1',
      '--total',
      '12.5',
      '--currency',
      'gbp',
    ]);
    expect(bought.stderr).toBe('');
    expect(bought.code).toBe(0);
    expect(bought.stdout).toMatch(
      /^inbox event \d+ applied: contact \d+ found; order cli-1 inserted \(paid\); 1 running journey signalled/,
    );
    expect(
      await h.database.db
        .selectFrom('orders')
        .select(['contact_id', 'total', 'currency', 'source'])
        .where('external_id', '=', 'cli-1')
        .execute(),
    ).toEqual([{ contact_id: contactId, total: 12.5, currency: 'GBP', source: 'api' }]);
  });

  it('purchase without --placed-at never moves the time of an order already stored', async () => {
    const buy = (...extra: string[]) =>
      cli(['event', 'purchase', '--email', 'kim@example.com', '--order-id', 'cli-3', ...extra]);
    const placedAt = async () => (await storedOrder('cli-3')).placed_at;

    expect((await buy('--total', '20')).stdout).toMatch(/order cli-3 inserted \(paid\)/);
    const first = await placedAt();
    // The same command again is the same event.
    expect((await buy('--total', '20')).stdout).toMatch(/^already received as inbox event \d+/);
    // A corrected total, still without a time: the order is updated, not moved.
    expect((await buy('--total', '25')).stdout).toMatch(/order cli-3 updated \(paid\)/);
    expect(await placedAt()).toEqual(first);
  });

  it('purchase says so when the order moves to another buyer', async () => {
    const buy = (email: string) =>
      cli(['event', 'purchase', '--email', email, '--order-id', 'cli-4', '--total', '30']);
    expect((await buy('lee@example.com')).stdout).toMatch(/order cli-4 inserted \(paid\);/);
    const lee = await h.database.db
      .selectFrom('contacts')
      .select('id')
      .where('email', '=', 'lee@example.com')
      .executeTakeFirstOrThrow();
    const moved = await buy('max@example.com');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(
      new RegExp(
        `order cli-4 updated \\(paid\\), moved from contact ${lee.id}; 0 running journeys signalled`,
      ),
    );
  });

  it('names the option at fault, with exit code 2', async () => {
    const run = await cli([
      'event',
      'purchase',
      '--email',
      'ivy@example',
      '--order-id',
      'cli-2',
      '--total',
      'twelve',
      '--placed-at',
      'now',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid event:');
    expect(run.stderr).toContain('--email: "ivy@example" is not a valid email address');
    expect(run.stderr).toContain('--total: must be a number ≥ 0');
    expect(run.stderr).toContain('--placed-at: "now" is not an ISO 8601 date-time');
    expect((await cli(['event', 'purchase', '--order-id', 'cli-2', '--total', '1'])).code).toBe(2);
  });

  it('refund: a partial one leaves the order paid, the rest makes it refunded', async () => {
    const buy = await cli([
      'event',
      'purchase',
      '--email',
      'rae@example.com',
      '--order-id',
      'cli-r1',
      '--total',
      '40',
    ]);
    expect(buy.code).toBe(0);
    const status = async () => (await storedOrder('cli-r1')).status;

    const refund = (...extra: string[]) =>
      cli(['event', 'refund', '--order-id', 'cli-r1', ...extra]);
    const partial = await refund('--amount', '10', '--refunded-at', '2026-11-25T12:00:00Z');
    expect(partial.stderr).toBe('');
    expect(partial.code).toBe(0);
    expect(partial.stdout).toMatch(/^inbox event \d+ applied: order cli-r1 of contact \d+: /);
    expect(await status()).toBe('paid');
    const stored = await h.database.db
      .selectFrom('inbox_events')
      .select(['source', 'payload'])
      .where('type', '=', 'order_refunded')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      source: 'cli',
      payload: {
        type: 'order_refunded',
        order: { id: 'cli-r1' },
        amount: 10,
        refunded_at: '2026-11-25T12:00:00Z',
      },
    });

    const rest = await refund('--json');
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({
      status: 'applied',
      result: { type: 'order_refunded' },
    });
    expect(await status()).toBe('refunded');
  });

  it('track keeps the event for the contact, its properties typed', async () => {
    const reg = await cli(['event', 'register', '--email', 'tam@example.com', '--json']);
    const { contactId } = (JSON.parse(reg.stdout) as { result: { contactId: number } }).result;
    const run = await cli([
      'event',
      'track',
      '--name',
      'product_viewed',
      '--contact-id',
      String(contactId),
      '--property',
      'product_id=632910392a',
      '--property',
      'price=19.5',
      '--property',
      'in_stock=true',
      '--property',
      'note=a=b',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^inbox event \\d+ applied: event "product_viewed" of contact ${contactId}`),
    );
    expect(
      await h.database.db
        .selectFrom('contact_events')
        .select(['contact_id', 'name', 'properties'])
        .execute(),
    ).toEqual([
      {
        contact_id: contactId,
        name: 'product_viewed',
        properties: { product_id: '632910392a', price: 19.5, in_stock: true, note: 'a=b' },
      },
    ]);
  });

  it('refund and track name the option at fault, with exit code 2', async () => {
    const refund = await cli([
      'event',
      'refund',
      '--order-id',
      ' ',
      '--source',
      'Shop Ify',
      '--amount',
      'ten',
      '--refunded-at',
      'yesterday',
    ]);
    expect(refund.code).toBe(2);
    for (const flag of ['--order-id', '--source', '--amount', '--refunded-at'])
      expect(refund.stderr).toContain(`  ${flag}: `);
    expect(refund.stderr).not.toMatch(/order\.|refunded_at/);

    const track = await cli([
      'event',
      'track',
      '--name',
      'Product Viewed',
      '--email',
      'tam@example',
      '--property',
      `blob=${'x'.repeat(16_400)}`,
      '--occurred-at',
      'now',
    ]);
    expect(track.code).toBe(2);
    for (const flag of ['--name', '--email', '--property', '--occurred-at'])
      expect(track.stderr).toContain(`  ${flag}: `);
    expect(track.stderr).not.toMatch(/contact\.|properties|occurred_at/);

    // A text problem names its property's option too.
    const nul = await cli([
      'event',
      'track',
      '--name',
      'product_viewed',
      '--email',
      'tam@example.com',
      '--property',
      'note=a\u0000b',
    ]);
    expect(nul.code).toBe(2);
    expect(nul.stderr).toContain('  --property: must not contain NUL characters');

    const malformedArgs = [
      'event',
      'track',
      '--name',
      'product_viewed',
      '--email',
      'tam@example.com',
      '--property',
      'size',
    ];
    const malformed = await cli(malformedArgs);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--property: "size" is not key=value');
    expect((await cli([...malformedArgs.slice(0, -1), '=1'])).stderr).toContain(
      '--property: "=1" is not key=value',
    );
    const unknown = await cli(['event', 'track', '--name', 'x', '--contact-id', '999999']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--contact-id: no contact has id 999999');
    expect(
      await h.database.db
        .selectFrom('contact_events')
        .select('id')
        .where('name', '=', 'x')
        .execute(),
    ).toEqual([]);
  });

  it('keeps the event when Temporal is unreachable, and applies it when run again', async () => {
    const args = [
      'event',
      'register',
      '--email',
      'jo@example.com',
      '--newsletter',
      'subscribed',
      '--event-id',
      'reg-jo',
    ];
    const down = await cli(args, `127.0.0.1:${await closedPort()}`);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /^stored as inbox event (\d+), but not applied yet: cannot reach Temporal/,
    );
    const row = await h.database.db
      .selectFrom('inbox_events')
      .selectAll()
      .where('dedupe_key', '=', 'event:reg-jo')
      .executeTakeFirstOrThrow();
    expect(row.processed_at).toBeNull();

    const up = await cli(args);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(
      new RegExp(`^inbox event ${row.id} applied: contact \\d+ inserted; 1 journey started`),
    );
    expect(up.stdout).toMatch(
      /journey welcome\/\d+: http:\/\/localhost:8233\/namespaces\/default\/workflows\/welcome%2F\d+/,
    );
  });

  it('purchase, refund and track link the journeys of the flows they enter, as register does', async () => {
    // Flows entered on this test's order and event only, so the other tests' events enter none.
    for (const [id, entry] of [
      ['links-bought', 'event: purchase, where: { order_id: links-1 }'],
      ['links-refunded', 'event: order_refunded, where: { order_id: links-1 }'],
      ['links-quoted', 'event: quote_requested'],
    ])
      await createCheckedCampaign(
        h.database.db,
        parseYaml(`
id: ${id}
name: ${id}
kind: flow
nodes:
  start: { type: entry, trigger: event, ${entry}, next: done }
  done: { type: exit, reason: completed }
`),
      );

    const bought = await cli([
      'event',
      'purchase',
      '--email',
      'lin@example.com',
      '--order-id',
      'links-1',
      '--total',
      '30',
    ]);
    expect(bought.stderr).toBe('');
    expect(bought.code).toBe(0);
    const { contact_id: contactId } = await storedOrder('links-1');
    const journey = (campaignId: string) => `${campaignId}/${contactId}`;
    expect(bought.stdout).toContain(
      `\n  journey ${journey('links-bought')}: ${uiLink(journey('links-bought'))}\n`,
    );

    const refunded = await cli(['event', 'refund', '--order-id', 'links-1', '--json']);
    expect(refunded.code).toBe(0);
    expect(JSON.parse(refunded.stdout)).toMatchObject({
      status: 'applied',
      result: { type: 'order_refunded', outcome: 'refunded' },
      startedJourneys: [
        {
          campaignId: 'links-refunded',
          workflowId: journey('links-refunded'),
          url: uiLink(journey('links-refunded')),
        },
      ],
    });

    const track = ['event', 'track', '--name', 'quote_requested', '--email', 'lin@example.com'];
    const quoted = await cli(track);
    expect(quoted.stderr).toBe('');
    expect(quoted.code).toBe(0);
    expect(quoted.stdout).toContain(
      `\n  journey ${journey('links-quoted')}: ${uiLink(journey('links-quoted'))}\n`,
    );
    // Another such event finds the contact enrolled already: nothing started, nothing linked.
    const again = await cli([...track, '--property', 'quote_id=2', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      result: { type: 'track', journeys: [{ outcome: 'already_enrolled' }] },
      startedJourneys: [],
    });
  });
});
