/**
 * `npm start` with the embedded Postgres killed (SIGKILL of the postmaster): it is started again
 * (logged), `/readyz` and `POST /events` say 503 with Retry-After meanwhile — never 500 — and
 * events are accepted again once it is back. Then the same with the Temporal dev server: it is
 * started again (logged), and the worker and the HTTP endpoint carry on with it — a registration
 * posted afterwards starts a welcome journey that runs.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { saveCampaign } from '../../src/db/campaigns.js';
import { generateCoupons } from '../../src/db/coupons.js';
import { createDb } from '../../src/db/database.js';
import { embeddedClusterDir } from '../../src/provision/cluster-dir.js';
import { readStackState } from '../../src/provision/local-state.js';
import { freePort } from '../support/ports.js';
import { type RunningProcess, startTs, until } from '../support/processes.js';
import { removeStackData } from '../support/start.js';

const API_KEY = 'bmr_e2e-restart-key';

describe('npm start and a dying Postgres or Temporal dev server', () => {
  let dataDir: string;
  let stack: RunningProcess | undefined;
  let base: string;
  let n = 0;
  const postEvent = () =>
    fetch(`${base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'account_registered',
        event_id: `restart-${n}`,
        contact: { email: `restart-${n++}@example.com` },
      }),
    });
  const withOutput = (err: unknown) => {
    throw new Error(`${String(err)}\n--- npm start said:\n${stack!.output().slice(-4000)}`);
  };
  afterAll(async () => {
    if (stack?.child.pid && stack.child.exitCode === null) {
      process.kill(-stack.child.pid, 'SIGINT');
      await stack.exited();
    }
    if (dataDir) await removeStackData(dataDir);
  });

  it('restarts the embedded Postgres and answers 503 with Retry-After while it is down', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-pg-restart-'));
    await fs.chmod(dataDir, 0o755);
    const port = await freePort();
    stack = startTs(
      'src/start.ts',
      {
        BOOMERANG_DATA_DIR: dataDir,
        TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
        PORT: String(port),
        BOOMERANG_API_KEY: API_KEY,
        TEMPORAL_CLI_PATH: inject('temporalCliPath'),
        DATABASE_URL: '',
        TEMPORAL_ADDRESS: '',
      },
      { detached: true },
    );
    await stack.waitForOutput(/up and running/, 150_000);
    base = `http://127.0.0.1:${port}`;
    expect((await postEvent()).status).toBe(202);

    const pidFile = path.join((await embeddedClusterDir(dataDir)).clusterDir, 'postmaster.pid');
    const postmaster = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');

    // Until it is back: every answer is 503 with Retry-After or a success, never a 500.
    const seen = new Map<number, number>();
    let retryAfter: string | null = null;
    await until(
      async () => {
        const [ready, event] = await Promise.all([fetch(`${base}/readyz`), postEvent()]);
        for (const res of [ready, event]) {
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          if (res.status === 503) retryAfter ??= res.headers.get('retry-after');
        }
        await new Promise((r) => setTimeout(r, 100));
        return ready.status === 200 && event.status === 202 && seen.has(503) ? true : undefined;
      },
      'Postgres to be restarted',
      60_000,
    ).catch(withOutput);
    expect([...seen.keys()].filter((s) => s !== 200 && s !== 202 && s !== 503)).toEqual([]);
    expect(retryAfter).toBe('5');
    expect(stack.output()).toMatch(/the embedded Postgres exited .*; restarting it in \d+ s/);
    // Postgres answers a moment before the supervisor reads its READY line and says so.
    await until(
      async () => /the embedded Postgres is back/.test(stack!.output()) || undefined,
      'npm start to say Postgres is back',
      30_000,
    ).catch(withOutput);
  }, 300_000);

  it('restarts the Temporal dev server; the worker and the HTTP endpoint carry on with it', async () => {
    const state = readStackState(dataDir);
    if (!state) throw new Error('npm start wrote no stack state');
    const db = createDb(state.databaseUrl, { max: 2 });
    try {
      await generateCoupons(db, 'welcome', 5);
      await saveCampaign(db, {
        id: 'welcome',
        name: 'Welcome',
        kind: 'welcome_voucher',
        couponSet: 'welcome',
      });
      const devServer = Number(
        (await fs.readFile(path.join(dataDir, 'temporal.pid'), 'utf8')).split(/\s+/)[0],
      );
      process.kill(devServer, 'SIGKILL');
      await until(
        async () => /the Temporal dev server is back/.test(stack!.output()) || undefined,
        'the Temporal dev server to be restarted',
        90_000,
      ).catch(withOutput);
      expect(stack!.output()).toMatch(
        /the Temporal dev server exited \(SIGKILL\); restarting it in \d+ s/,
      );

      // Registered after the restart: applied by the endpoint's processor, its journey run by the worker.
      const email = `restart-${n}@example.com`;
      expect((await postEvent()).status).toBe(202);
      const journey = await until(
        async () =>
          db
            .selectFrom('journeys')
            .innerJoin('contacts', 'contacts.id', 'journeys.contact_id')
            .select(['journeys.workflow_id'])
            .where('contacts.email', '=', email)
            .executeTakeFirst(),
        'the welcome journey of a contact registered after the restart',
        120_000,
      ).catch(withOutput);
      expect(journey.workflow_id).toMatch(/^welcome\/\d+$/);
    } finally {
      await db.destroy();
    }
  }, 300_000);
});
