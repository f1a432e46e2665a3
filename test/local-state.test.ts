/** What `npm start` keeps under .data: the secrets and the running stack's addresses, owner-only. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import {
  ensurePrivateDir,
  localSecrets,
  readStackState,
  removeStackState,
  withRunningStack,
  writeStackState,
} from '../src/provision/local-state.js';
import { RUNNING_STACK } from './support/stack-state.js';

describe('local state of npm start', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-state-')), '.data');
    await fs.mkdir(dataDir, { mode: 0o755 });
  });
  afterEach(() => fs.rm(path.dirname(dataDir), { recursive: true, force: true }));
  const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

  it('generates the secrets once, keeps them owner-only, and lets the environment win', async () => {
    await ensurePrivateDir(dataDir);
    expect(await mode(dataDir)).toBe(0o700);
    const file = path.join(dataDir, 'secrets.json');
    // A file an older version left world-readable is narrowed.
    await fs.writeFile(file, JSON.stringify({ BOOMERANG_API_KEY: 'bmr_old' }), { mode: 0o644 });
    const config = loadConfig({ BOOMERANG_DATA_DIR: dataDir });
    const first = await localSecrets(config);
    expect(first.BOOMERANG_API_KEY).toBe('bmr_old');
    expect(first.BOOMERANG_OPERATOR_KEY).toMatch(/^bmr_op_[A-Za-z0-9_-]{32}$/);
    expect(first.POSTGRES_APP_PASSWORD).not.toBe(first.POSTGRES_SUPERUSER_PASSWORD);
    expect(await mode(file)).toBe(0o600);
    expect(await localSecrets(config)).toEqual(first);
    const fromEnv = await localSecrets(
      loadConfig({ BOOMERANG_DATA_DIR: dataDir, BOOMERANG_OPERATOR_KEY: 'from-the-env' }),
    );
    expect(fromEnv.BOOMERANG_OPERATOR_KEY).toBe('from-the-env');
  });

  it('lets the CLI find a running stack, never a dead one, and never over the environment', async () => {
    const state = RUNNING_STACK;
    await writeStackState(dataDir, state);
    expect(await mode(path.join(dataDir, 'stack.json'))).toBe(0o600);
    const env = { BOOMERANG_DATA_DIR: dataDir };
    const found = withRunningStack(loadConfig(env), env);
    expect(found.databaseUrl).toBe(state.databaseUrl);
    expect(found.temporal.address).toBe(state.temporalAddress);
    expect(found.temporal.uiUrl).toBe(state.temporalUiUrl);

    const own = { ...env, DATABASE_URL: 'postgres://me@db/shop', TEMPORAL_UI_PORT: '9000' };
    const mine = withRunningStack(loadConfig(own), own);
    expect(mine.databaseUrl).toBe('postgres://me@db/shop');
    expect(mine.temporal.address).toBe(state.temporalAddress);
    expect(mine.temporal.uiUrl).toBe('http://localhost:9000');

    // A stack whose supervisor died left its file: ignored.
    await writeStackState(dataDir, { ...state, pid: 2 ** 22 + 1 });
    expect(readStackState(dataDir)).toBeUndefined();
    await removeStackState(dataDir);
    expect(withRunningStack(loadConfig(env), env).databaseUrl).toBeUndefined();
  });

  it("gives the CLI the running stack's signing secret and public URL, on its database only", async () => {
    await writeStackState(dataDir, RUNNING_STACK);
    const env = { BOOMERANG_DATA_DIR: dataDir };
    const secrets = await localSecrets(loadConfig(env));
    // What `template preview` and `campaign test-send` need to render an unsubscribe link.
    const found = withRunningStack(loadConfig(env), env);
    expect(found.signingSecret).toBe(secrets.BOOMERANG_SIGNING_SECRET);
    expect(found.publicUrl).toBe('http://localhost:13000');

    const own = {
      ...env,
      BOOMERANG_SIGNING_SECRET: 'mine',
      BOOMERANG_PUBLIC_URL: 'https://shop.example',
    };
    const mine = withRunningStack(loadConfig(own), own);
    expect(mine.signingSecret).toBe('mine');
    expect(mine.publicUrl).toBe('https://shop.example');

    // Another database than the stack's: its secret would sign links for the wrong contacts.
    const elsewhere = { ...env, DATABASE_URL: 'postgres://me@db/shop' };
    const other = withRunningStack(loadConfig(elsewhere), elsewhere);
    expect(other.signingSecret).toBeUndefined();
    expect(other.publicUrl).toBe('http://localhost:3000');
  });
});
