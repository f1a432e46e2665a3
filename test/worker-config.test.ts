/** `npm run worker` beside a running `npm start` finds the stack as the CLI does (README: several workers). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertReadyToStart, loadConfig } from '../src/config.js';
import { localSecrets, writeStackState } from '../src/provision/local-state.js';
import { workerConfig } from '../src/worker.js';
import { RUNNING_STACK } from './support/stack-state.js';

describe('the worker beside a running stack', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-worker-')), '.data');
    await fs.mkdir(dataDir, { mode: 0o700 });
  });
  afterEach(() => fs.rm(path.dirname(dataDir), { recursive: true, force: true }));

  it("takes the running stack's database, Temporal and signing secret when none is set", async () => {
    const env = { BOOMERANG_DATA_DIR: dataDir };
    const secrets = await localSecrets(loadConfig(env));
    await writeStackState(dataDir, RUNNING_STACK);
    const config = workerConfig(env);
    expect(() => assertReadyToStart('worker', config)).not.toThrow();
    expect(config.databaseUrl).toBe(RUNNING_STACK.databaseUrl);
    expect(config.temporal.address).toBe(RUNNING_STACK.temporalAddress);
    expect(config.signingSecret).toBe(secrets.BOOMERANG_SIGNING_SECRET);

    // What the environment sets wins; without a running stack nothing is filled in.
    const own = {
      ...env,
      DATABASE_URL: 'postgres://me@db/shop',
      TEMPORAL_ADDRESS: 'temporal:7233',
    };
    expect(workerConfig(own).databaseUrl).toBe('postgres://me@db/shop');
    expect(workerConfig(own).signingSecret).toBeUndefined();
    await fs.rm(path.join(dataDir, 'stack.json'));
    expect(() => assertReadyToStart('worker', workerConfig(env))).toThrow(/DATABASE_URL/);
  });
});
