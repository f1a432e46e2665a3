/**
 * `npm start -- --temporal server`: the production Temporal server (temporal-server.ts) on the
 * stack's Postgres, and its standalone Web UI; state under the data directory.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { say, type Shutdown } from '../supervisor.js';
import { writeServerPidFile } from './local-state.js';
import {
  defaultServerPorts,
  resolveTemporalServer,
  resolveUiServer,
  type RunningTemporalServer,
  startTemporalServer,
  startTemporalServerOnFreePorts,
  startUiServer,
  type TemporalServerBinaries,
  type TemporalServerPorts,
} from './temporal-server.js';

/**
 * The release's ports on the default frontend port; otherwise free ones, so that several stacks
 * can share a machine. Kept for the next start: the cluster remembers its members' ports.
 */
async function startOnKeptPorts(
  config: Config,
  stateDir: string,
  opts: { binaries: TemporalServerBinaries; postgresUrl: string },
): Promise<RunningTemporalServer> {
  const file = path.join(stateDir, 'ports.json');
  const saved = JSON.parse(
    await fs.readFile(file, 'utf8').catch(() => 'null'),
  ) as TemporalServerPorts | null;
  const { namespace, historyShards } = config.temporal;
  const common = { ...opts, stateDir, namespace, historyShards, log: say };
  if (saved?.frontend === config.temporal.devServerPort)
    return startTemporalServer({ ...common, ports: saved });
  if (config.temporal.devServerPort === 7233)
    return startTemporalServer({ ...common, ports: defaultServerPorts() });
  // The frontend on the configured port, the others free; fresh ones if another program takes one.
  const server = await startTemporalServerOnFreePorts(common, {
    frontend: config.temporal.devServerPort,
  });
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, JSON.stringify(server.ports, null, 2));
  return server;
}

export async function startProductionTemporal(
  config: Config,
  databaseUrl: string,
  shutdown: Shutdown,
  /** Where the Web UI has payloads decrypted (the HTTP endpoint's /codec), when they are encrypted. */
  codecEndpoint?: string,
): Promise<void> {
  const stateDir = path.join(config.dataDir, 'temporal-server');
  const binaries = await resolveTemporalServer({
    cacheDir: config.cacheDir,
    explicit: {
      server: config.tools.temporalServerPath,
      sqlTool: config.tools.temporalSqlToolPath,
    },
    log: say,
  });
  const server = await startOnKeptPorts(config, stateDir, { binaries, postgresUrl: databaseUrl });
  const pidFile = path.join(config.dataDir, 'temporal-server.pid');
  if (server.child.pid) await writeServerPidFile(pidFile, server.child.pid);
  shutdown.add('Temporal server', async () => {
    await server.stop();
    await fs.rm(pidFile, { force: true });
  });

  const ui = await startUiServer({
    binary: await resolveUiServer({
      cacheDir: config.cacheDir,
      explicitPath: config.tools.temporalUiServerPath,
      log: say,
    }),
    stateDir,
    port: config.temporal.uiPort,
    temporalAddress: server.address,
    namespace: config.temporal.namespace,
    codecEndpoint,
  });
  const uiPidFile = path.join(config.dataDir, 'temporal-ui.pid');
  if (ui.child.pid) await writeServerPidFile(uiPidFile, ui.child.pid);
  shutdown.add('Temporal Web UI', async () => {
    await ui.stop();
    await fs.rm(uiPidFile, { force: true });
  });
}
