/**
 * The recompute's batch activity resumes after a crash from its last heartbeat: rows done before
 * it are not redone, rows a lost attempt wrote past it are not duplicated.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIndicatorActivities, type FittedModels } from '../../src/activities/indicators.js';
import { distinctTriplesPage } from '../../src/db/indicators.js';
import { expectedPurchases } from '../../src/domain/indicators/bgnbd.js';
import { mulberry32 } from '../domain/indicators/simulate.js';
import { useTestDatabase } from '../support/db.js';

describe('computeValueIndicators', () => {
  const database = useTestDatabase();
  beforeAll(async () => {
    const db = database.db;
    const rng = mulberry32(3);
    const contacts = await db
      .insertInto('contacts')
      .values(Array.from({ length: 400 }, (_, i) => ({ email: `r${i}@example.com` })))
      .returning('id')
      .execute();
    const now = Date.now();
    await db
      .insertInto('orders')
      .values(
        contacts.flatMap(({ id }) =>
          Array.from({ length: 1 + Math.floor(rng() * 5) }, (_, k) => ({
            external_id: `${id}-${k}`,
            contact_id: id,
            placed_at: new Date(now - Math.floor(rng() * 500) * 86_400_000),
            total: 10 + Math.round(rng() * 100),
            currency: 'EUR',
          })),
        ),
      )
      .execute();
  });

  it('resumes from its heartbeat cursor after a lost attempt, each history computed once', async () => {
    const db = database.db;
    const activities = createIndicatorActivities({ db, client: {} as Client, taskQueue: 'x' });
    const asOf = new Date().toISOString();
    await new MockActivityEnvironment().run(activities.summarizeContacts, { asOf });
    const models = (await new MockActivityEnvironment().run(
      activities.fitValueModels,
    )) as FittedModels;
    expect(models.bgnbd).not.toBeNull();
    const grid = await distinctTriplesPage(db, null, 100_000);
    expect(grid.length).toBeGreaterThan(50);

    // A first attempt finished the first 20 histories (heartbeat) and wrote 5 more before it died.
    const cursor = grid[19]!;
    const sentinel = 0.123456;
    await sql`INSERT INTO indicator_model_outputs SELECT frequency, recency_days, age_days, ${sentinel}, ${sentinel} FROM unnest(
      ${grid.slice(0, 25).map((g) => g.frequency)}::int[], ${grid.slice(0, 25).map((g) => g.recency)}::float8[], ${grid.slice(0, 25).map((g) => g.age)}::float8[]) AS t(frequency, recency_days, age_days)`.execute(
      db,
    );

    const resumed = new MockActivityEnvironment({ heartbeatDetails: { cursor, done: 20 } });
    const heartbeats: unknown[] = [];
    resumed.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const result = (await resumed.run(activities.computeValueIndicators, {
      models,
      batchSize: 10,
    })) as { histories: number };
    expect(result.histories).toBe(grid.length);
    expect(heartbeats.length).toBeGreaterThanOrEqual(Math.ceil((grid.length - 20) / 10));

    const outputs = await sql<{ n: number; distinct: number; sentinels: number }>`
      SELECT count(*)::int AS n, count(DISTINCT (frequency, recency_days, age_days))::int AS distinct,
             count(*) FILTER (WHERE probability_alive = ${sentinel})::int AS sentinels FROM indicator_model_outputs`.execute(
      db,
    );
    // One output per history; the 20 before the cursor kept (not redone); the 5 past it recomputed.
    expect(outputs.rows[0]).toEqual({ n: grid.length, distinct: grid.length, sentinels: 20 });
  });

  it('forecasts over the horizon asked for, and refuses to store an invalid output', async () => {
    const db = database.db;
    const activities = createIndicatorActivities({ db, client: {} as Client, taskQueue: 'x' });
    const models = (await new MockActivityEnvironment().run(
      activities.fitValueModels,
    )) as FittedModels;
    await new MockActivityEnvironment().run(activities.computeValueIndicators, {
      models,
      horizonDays: 30,
    });
    const rows = await sql<{
      frequency: number;
      recency_days: number;
      age_days: number;
      forecast_purchases: number;
    }>`SELECT * FROM indicator_model_outputs ORDER BY 1, 2, 3 LIMIT 40`.execute(db);
    for (const r of rows.rows) {
      expect(r.forecast_purchases).toBeCloseTo(
        expectedPurchases(models.bgnbd!.params, 30, r.frequency, r.recency_days, r.age_days),
        12,
      );
    }

    // Parameters no fit returns (a < 0) stand in for a model gone wrong: nothing is stored.
    const broken: FittedModels = {
      ...models,
      bgnbd: { id: models.bgnbd!.id, params: { ...models.bgnbd!.params, a: -1 } },
    };
    const failure = await new MockActivityEnvironment()
      .run(activities.computeValueIndicators, { models: broken })
      .then(
        () => null,
        (error: unknown) => error as ApplicationFailure,
      );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure!.nonRetryable).toBe(true);
    expect(failure!.message).toMatch(/for contact \d+ \(x = \d+, t_x = [\d.]+, T = [\d.]+ days/);
    expect(failure!.message).toContain('a = -1');
  });
});
