/**
 * The client's validation errors name the caller's own fields: recordPurchase's `orderId`, not the
 * event's `order.id`; and the CLI, on the same client, names its options. Refused before anything
 * is stored: the database stays empty.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createBoomerangClient, InvalidEventError } from '../src/client.js';
import { loadConfig } from '../src/config.js';
import { runCli } from './cli/support.js';
import { useTestDatabase } from './support/db.js';

const database = useTestDatabase();

describe("the client's validation errors", () => {
  const client = () => createBoomerangClient({ config: loadConfig({}), db: database.db });
  afterEach(async () => {
    const stored = await database.db.selectFrom('orders').select('id').execute();
    expect(stored).toEqual([]);
  });

  it('name recordPurchase’s fields, keeping the message text', async () => {
    const err = await client()
      .recordPurchase({
        email: 'ada@example',
        orderId: '',
        total: 'twelve',
        currency: 'euros',
        couponCode: 'C'.repeat(101),
        placedAt: 'now',
        status: 'lost' as 'paid',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidEventError);
    const problems = (err as InvalidEventError).problems;
    expect(problems.map((p) => p.path).sort()).toEqual(
      ['couponCode', 'currency', 'email', 'orderId', 'placedAt', 'status', 'total'].sort(),
    );
    expect((err as Error).message).toContain('orderId: must not be empty');
    expect((err as Error).message).not.toMatch(/order\.|contact\./);
  });

  it('name a missing buyer by the purchase’s fields', async () => {
    // Nothing, or blanks, name nobody; the event's own names (external_id) are not the caller's.
    for (const buyer of [{}, { email: ' ', externalId: '' }]) {
      const err = await client()
        .recordPurchase({ ...buyer, orderId: 'o-1', total: 1 })
        .catch((e: unknown) => e);
      expect((err as InvalidEventError).problems).toEqual([
        {
          path: 'email',
          message: 'email, externalId or contactId is required to identify the buyer',
        },
      ]);
      expect((err as Error).message).not.toMatch(/external_id|contact\b/);
    }
  });

  it('leave recordEvent’s paths as the event has them', async () => {
    const err = await client()
      .recordEvent({ type: 'purchase', contact: { email: 'ada@example.com' }, order: {} })
      .catch((e: unknown) => e);
    expect((err as InvalidEventError).problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['order.id', 'order.total']),
    );
  });
});

describe('boomerang event purchase, on the same client', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('names the options at fault', async () => {
    const run = await runCli(database.url, [
      'event',
      'purchase',
      '--email',
      'ivy@example',
      '--order-id',
      ' ',
      '--total',
      'twelve',
      '--coupon',
      'C'.repeat(101),
      '--placed-at',
      'now',
      '--status',
      'lost',
      '--event-id',
      '',
    ]);
    expect(run.code).toBe(2);
    for (const flag of ['--email', '--order-id', '--total', '--coupon', '--placed-at', '--status'])
      expect(run.stderr).toContain(`  ${flag}: `);
    expect(run.stderr).not.toMatch(/order\.|contact\.|orderId|couponCode|placedAt/);
  });

  it('says a blank buyer names nobody, in options', async () => {
    const run = await runCli(database.url, [
      'event',
      'purchase',
      '--email',
      ' ',
      '--order-id',
      'o-1',
      '--total',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('say who bought: --email, --contact-id or --external-id');
    expect(run.stderr).not.toMatch(/external_id|externalId|contactId/);
  });
});
