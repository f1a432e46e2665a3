/**
 * `npm start -- --temporal server`: the production Temporal server (temporal-server.ts) on the
 * stack's Postgres, and its standalone Web UI; state under the data directory. Both are
 * supervised as the dev server is: if one dies while the stack is up it is started again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { keepRunning, type RunningPart, say, type Shutdown } from '../supervisor.js';
import { writeServerPidFile } from './local-state.js';
import {
  defaultServerPorts,
  resolveTemporalServer,
  resolveUiServer,
  type RunningTemporalServer,
  type RunningUiServer,
  startTemporalServer,
  startTemporalServerOnFreePorts,
  startUiServer,
  type TemporalServerOptions,
  type TemporalServerPorts,
} from './temporal-server.js';

/**
 * The release's ports on the default frontend port; otherwise free ones, so that several stacks
 * can share a machine. Kept for the next start: the cluster remembers its members' ports.
 */
async function startOnKeptPorts(
  config: Config,
  common: Omit<TemporalServerOptions, 'ports'>,
): Promise<RunningTemporalServer> {
  const { stateDir } = common;
  const file = path.join(stateDir, 'ports.json');
  const saved = JSON.parse(
    await fs.readFile(file, 'utf8').catch(() => 'null'),
  ) as TemporalServerPorts | null;
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
  const { namespace, historyShards } = config.temporal;
  const common = {
    binaries,
    postgresUrl: databaseUrl,
    stateDir,
    namespace,
    historyShards,
    log: say,
  };
  // A server that dies while the stack is up is started again on the same ports (its cluster
  // remembers them). Its state is in Postgres, so running journeys carry on; the worker and the
  // HTTP endpoint reconnect by themselves, and events meanwhile wait in the inbox.
  const server = await keepRunning<RunningTemporalServer>({
    what: 'the Temporal server',
    shutdown,
    start: async (previous, signal) =>
      withPidFile(
        path.join(config.dataDir, 'temporal-server.pid'),
        previous
          ? await startTemporalServer({ ...common, ports: previous.ports, signal })
          : await startOnKeptPorts(config, { ...common, signal }),
      ),
    note: (running) => ` (log: ${running.logFile})`,
  });

  // The Web UI is kept up the same way, and comes back on the port the banner and the CLI's
  // links name.
  const uiBinary = await resolveUiServer({
    cacheDir: config.cacheDir,
    explicitPath: config.tools.temporalUiServerPath,
    log: say,
  });
  await keepRunning<RunningUiServer>({
    what: 'the Temporal Web UI',
    shutdown,
    start: async (_previous, signal) =>
      withPidFile(
        path.join(config.dataDir, 'temporal-ui.pid'),
        await startUiServer({
          binary: uiBinary,
          stateDir,
          port: config.temporal.uiPort,
          temporalAddress: server.address,
          namespace: config.temporal.namespace,
          codecEndpoint,
          signal,
        }),
      ),
    note: (ui) => ` on port ${config.temporal.uiPort} (log: ${ui.logFile})`,
  });
}

/**
 * `running` with its pid in `pidFile`, for a later start to stop it should npm start be killed
 * outright (reapLeftover); the file goes when it stops.
 */
async function withPidFile<T extends RunningPart>(pidFile: string, running: T): Promise<T> {
  try {
    if (running.child.pid) await writeServerPidFile(pidFile, running.child.pid);
  } catch (err) {
    await running.stop();
    throw err;
  }
  return {
    ...running,
    stop: async () => {
      await running.stop();
      await fs.rm(pidFile, { force: true });
    },
  };
}
