/**
 * `npm start`'s Temporal dev server (`temporal server start-dev`): workflow histories in SQLite
 * under the data directory, the Web UI beside it. Supervised: if it dies while the stack is up it
 * is started again; the worker and the HTTP endpoint reconnect by themselves.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { type Config, temporalAddress } from '../config.js';
import {
  keepRunning,
  killOnAbort,
  prefixLines,
  type RunningPart,
  say,
  type Shutdown,
  terminate,
} from '../supervisor.js';
import { devServerSearchAttributeFlags } from '../temporal/search-attributes.js';
import { PRIVATE_FILE_MODE, writeServerPidFile } from './local-state.js';
import { waitForFrontend } from './temporal-server.js';
import { resolveTemporalCli } from './tools.js';

/** First starts tried when the dev server loses a race for a port it picked itself. */
const START_ATTEMPTS = 3;

/**
 * The port of a "bind: address already in use" line of the dev server's log, when it is none of
 * `ours`: the CLI picks its internal ports (history, matching, metrics…) free and binds them a
 * moment later, so another program may take one meanwhile. Starting again picks others.
 */
export function lostPortRace(line: string, ours: number[]): number | undefined {
  const match = /listen tcp [^\s]*:(\d+): bind: address already in use/.exec(line);
  const port = match ? Number(match[1]) : undefined;
  return port !== undefined && !ours.includes(port) ? port : undefined;
}

/**
 * Journeys a worker starts on its own task queue (a launch's) start eagerly: the server hands the
 * first workflow task back with the start instead of through a poll. Temporal 1.32's default too;
 * said here so that a server upgrade cannot turn it off unnoticed.
 */
export const DEV_SERVER_DYNAMIC_CONFIG_FLAGS = [
  '--dynamic-config-value',
  'system.enableEagerWorkflowStart=true',
];

export async function startTemporalDevServer(
  config: Config,
  shutdown: Shutdown,
  opts: { codecEndpoint?: string } = {},
): Promise<void> {
  const cli = await resolveTemporalCli({
    cacheDir: config.cacheDir,
    explicitPath: config.tools.temporalCliPath,
    log: say,
    allowSdkDownload: false,
  });
  if (cli.executable.type !== 'existing-path') throw new Error('no Temporal CLI binary');
  const executable = cli.executable.path;
  const dbFile = path.join(config.dataDir, 'temporal.sqlite');
  const ourPorts = [config.temporal.devServerPort, config.temporal.uiPort];
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    dbFile,
    '--namespace',
    config.temporal.namespace,
    '--port',
    String(config.temporal.devServerPort),
    '--ui-port',
    String(config.temporal.uiPort),
    '--ip',
    '127.0.0.1',
    '--log-level',
    'error',
    // No outbound fetch of the UI's news feed: it fails on machines without internet.
    '--ui-disable-news-fetch',
    ...devServerSearchAttributeFlags(),
    ...DEV_SERVER_DYNAMIC_CONFIG_FLAGS,
    // With encrypted payloads, the UI shows them decrypted through our codec endpoint.
    ...(opts.codecEndpoint ? ['--ui-codec-endpoint', opts.codecEndpoint] : []),
  ];
  const pidFile = path.join(config.dataDir, 'temporal.pid');
  say(`starting the Temporal dev server (state in ${dbFile})`);
  /** One start of the server, resolved once its frontend answers; one that fails leaves none running. */
  const launch = async (signal: AbortSignal): Promise<RunningPart> => {
    // Every workflow history is in the SQLite file (and its -wal, -shm): files the server creates
    // are its owner's only (umask 077), and one left readable by an older version is narrowed.
    for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`])
      await fs.chmod(file, PRIVATE_FILE_MODE).catch(() => {});
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop Temporal last.
    const child = spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', executable, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    killOnAbort(child, signal);
    // Taken now, so that a 'close' emitted before a failed start is judged is not missed.
    const closed = once(child, 'close').catch(() => undefined);
    // Read from the spawn on, before any await: when a child exits, Node discards what nobody
    // reads of its output, and a start that fails at once would lose the line that says why.
    let racedFor: number | undefined;
    const watchBind = (line: string) => (racedFor ??= lostPortRace(line, ourPorts));
    prefixLines(child.stdout, '[temporal]', process.stdout, watchBind);
    prefixLines(child.stderr, '[temporal]', process.stderr, watchBind);
    const stop = async () => {
      await terminate(child, 'the Temporal dev server');
      await fs.rm(pidFile, { force: true });
    };
    try {
      // The server's pid and ours: a later start tells a leftover from a running stack by our pid.
      if (child.pid) await writeServerPidFile(pidFile, child.pid);
      await waitForFrontend(temporalAddress(config), child, {
        what: 'the Temporal dev server',
        timeoutMs: 60_000,
      });
    } catch (err) {
      await stop();
      // Its exit can be seen before its last stderr lines are read: read them before judging.
      await Promise.race([closed, delay(10_000)]);
      throw Object.assign(err as Error, { racedFor });
    }
    return { child, stop };
  };
  const firstStart = async (signal: AbortSignal): Promise<RunningPart> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(signal);
      } catch (err) {
        const racedFor = (err as { racedFor?: number }).racedFor;
        if (racedFor === undefined || attempt >= START_ATTEMPTS || shutdown.stopping) throw err;
        say(`the Temporal dev server lost port ${racedFor} to another program; starting it again`);
      }
    }
  };
  // The worker and the HTTP endpoint keep their connections and reconnect once it is back; the
  // workflows are in the SQLite file and carry on.
  await keepRunning({
    what: 'the Temporal dev server',
    shutdown,
    start: (previous, signal) => (previous ? launch(signal) : firstStart(signal)),
  });
}
