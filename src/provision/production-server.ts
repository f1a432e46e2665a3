/**
 * `npm start -- --temporal server`: the production Temporal server (temporal-server.ts) on the
 * stack's Postgres, and its standalone Web UI; state under the data directory. The server is
 * supervised as the dev server is: if it dies while the stack is up it is started again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { restartBackoff, say, type Shutdown } from '../supervisor.js';
import { writeServerPidFile } from './local-state.js';
import {
  defaultServerPorts,
  resolveTemporalServer,
  resolveUiServer,
  type RunningTemporalServer,
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
  let server = await startOnKeptPorts(config, common);
  const pidFile = path.join(config.dataDir, 'temporal-server.pid');
  const writePid = async (running: RunningTemporalServer) => {
    if (running.child.pid) await writeServerPidFile(pidFile, running.child.pid);
  };
  await writePid(server);

  // A server that dies while the stack is up is started again on the same ports (its cluster
  // remembers them). Its state is in Postgres, so running journeys carry on; the worker and the
  // HTTP endpoint reconnect by themselves, and events meanwhile wait in the inbox.
  const backoff = restartBackoff();
  let pending: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const relaunch = (ports: TemporalServerPorts) => {
    pending = undefined;
    const started = Date.now();
    restarting = startTemporalServer({ ...common, ports }).then(
      async (running) => {
        server = running;
        await writePid(running);
        if (shutdown.stopping) return;
        say('the Temporal server is back');
        watch(running, started);
      },
      (err: unknown) => {
        if (shutdown.stopping) return;
        const delay = backoff(started);
        say(
          `restarting the Temporal server failed: ${(err as Error).message}; trying again in ${delay / 1000} s`,
        );
        pending = setTimeout(() => relaunch(ports), delay);
      },
    );
  };
  const watch = (running: RunningTemporalServer, started: number) =>
    running.child.once('exit', (code, signal) => {
      if (shutdown.stopping) return;
      void running.stop(); // closes its log file
      const delay = backoff(started);
      say(
        `the Temporal server exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s (log: ${running.logFile})`,
      );
      pending = setTimeout(() => relaunch(running.ports), delay);
    });
  watch(server, Date.now());
  shutdown.add('Temporal server', async () => {
    clearTimeout(pending);
    // A restart under way ends with a server to stop (or none, when it failed).
    await restarting;
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
