/** `npm start` (src/start.ts) with services of its own on free ports, for the end-to-end tests. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { embeddedClusterDir } from '../../src/provision/cluster-dir.js';
import { type RunningProcess, startTs } from './processes.js';
import { freePort, retryOnTakenPort } from './ports.js';

export interface StartPorts {
  temporal: number;
  ui: number;
  pg: number;
  http: number;
}

/** Free ports for npm start's services; the Temporal port `temporal` when given. */
export async function freeStartPorts(temporal?: number): Promise<StartPorts> {
  return {
    temporal: temporal ?? (await freePort()),
    ui: await freePort(),
    pg: await freePort(),
    http: await freePort(),
  };
}

/**
 * npm start's environment on `ports`, with `dataDir`: its own Temporal and Postgres (no
 * DATABASE_URL or TEMPORAL_ADDRESS).
 */
export function startEnv(dataDir: string, ports: StartPorts) {
  return {
    BOOMERANG_DATA_DIR: dataDir,
    TEMPORAL_DEV_SERVER_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    PORT: String(ports.http),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
  };
}

export interface StartedStack {
  proc: RunningProcess;
  ports: StartPorts;
  env: ReturnType<typeof startEnv> & NodeJS.ProcessEnv;
}

/**
 * npm start in its own process group (as a terminal runs it), up and running on `ports` (else on
 * ports of `pickPorts`); when another program took one of them before npm start bound it, it is
 * started again on fresh ones.
 */
export async function startUp(
  dataDir: string,
  opts: {
    ports?: StartPorts;
    pickPorts?: () => Promise<StartPorts>;
    env?: NodeJS.ProcessEnv;
    args?: string[];
    timeoutMs?: number;
  } = {},
): Promise<StartedStack> {
  const pick = opts.pickPorts ?? (() => freeStartPorts());
  return retryOnTakenPort(async (attempt) => {
    const ports = attempt === 1 && opts.ports ? opts.ports : await pick();
    const env = { ...startEnv(dataDir, ports), ...opts.env };
    const proc = startTs('src/start.ts', env, { detached: true, args: opts.args });
    try {
      await proc.waitForOutput(/up and running/, opts.timeoutMs ?? 150_000);
    } catch (err) {
      if (proc.child.exitCode === null) process.kill(-proc.child.pid!, 'SIGKILL');
      await proc.exited();
      throw err;
    }
    return { proc, ports, env };
  });
}

/**
 * Removes a stack's data directory and its embedded Postgres cluster, which as root lives outside
 * it (/var/lib/boomerang/<hash>, src/provision/cluster-dir.ts): left there, every run would leave
 * a cluster behind.
 */
export async function removeStackData(dataDir: string): Promise<void> {
  const { clusterDir } = await embeddedClusterDir(dataDir);
  if (!clusterDir.startsWith(dataDir))
    await fs.rm(path.dirname(clusterDir), { recursive: true, force: true });
  await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}
