/**
 * `npm start`: the whole stack on embedded defaults, as one process tree stopped by Ctrl-C.
 *   Temporal dev server (SQLite under .data/, Web UI) → Postgres (embedded unless DATABASE_URL)
 *   → migrations → worker(s) and HTTP endpoint as supervised child processes.
 * `--temporal server` runs the production Temporal server on that Postgres instead, with the
 * standalone Web UI; `--workers N` runs N worker processes on the same task queues.
 * Each part can point at real infrastructure instead (TEMPORAL_ADDRESS, DATABASE_URL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { type Config, loadConfig, PROJECT_ROOT, temporalAddress } from './config.js';
import { createDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { runMain } from './main-helpers.js';
import {
  ensurePrivateDir,
  type LocalSecrets,
  localSecrets,
  PRIVATE_FILE_MODE,
  removeStackState,
  SECRETS_FILE,
  writeStackState,
} from './provision/local-state.js';
import { embeddedClusterDir, embeddedSuperuserUrl } from './provision/cluster-dir.js';
import {
  defaultServerPorts,
  freeServerPorts,
  resolveTemporalServer,
  resolveUiServer,
  startTemporalServer,
  startUiServer,
  type TemporalServerPorts,
} from './provision/temporal-server.js';
import { resolveTemporalCli } from './provision/tools.js';
import { httpUrl } from './http/server.js';
import { connectClient } from './temporal/connection.js';
import {
  devServerSearchAttributeFlags,
  registerSearchAttributes,
} from './temporal/search-attributes.js';

const say = (message: string) => console.log(`boomerang: ${message}`);

/** Stops registered parts in reverse order of start. */
class Shutdown {
  private steps: { name: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;
  /** Set as soon as a stop is requested, so supervisors stop restarting children that exit. */
  stopping = false;
  add(name: string, run: () => Promise<void>) {
    this.steps.push({ name, run });
  }
  run(): Promise<void> {
    this.stopping = true;
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.run();
        } catch (err) {
          console.error(`boomerang: stopping ${step.name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitForTemporal(
  address: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(
    `the Temporal dev server did not answer on ${address} within ${timeoutMs / 1000} s: ${lastError}`,
  );
}

function prefixLines(
  stream: NodeJS.ReadableStream | null,
  prefix: string,
  sink: NodeJS.WriteStream,
  onLine?: (line: string) => void,
) {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      sink.write(`${prefix} ${line}\n`);
      onLine?.(line);
    }
  });
}

/** Fails clearly when a port we are about to listen on is taken, instead of talking to a stranger. */
async function assertPortFree(port: number, variable: string, what: string): Promise<void> {
  const taken = await new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
  });
  if (taken) {
    throw new Error(
      `port ${port} (${what}) is already in use: is another \`npm start\` or server running? Stop it, or set ${variable} to a free port.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A dev server left running by a supervisor that was killed outright would hold the ports: stop
 * it. One whose supervisor is alive belongs to a running `npm start`: never touch it.
 */
async function reapLeftover(pidFile: string, marker: string): Promise<void> {
  const [temporalPid, supervisorPid] = (await fs.readFile(pidFile, 'utf8').catch(() => ''))
    .split(/\s+/)
    .map(Number);
  if (!temporalPid) return;
  if (supervisorPid && supervisorPid !== process.pid && isAlive(supervisorPid)) {
    throw new Error(
      `another \`npm start\` (pid ${supervisorPid}) is running on this data directory; stop it first (Ctrl-C in its terminal), or set BOOMERANG_DATA_DIR.`,
    );
  }
  const cmdline = await fs.readFile(`/proc/${temporalPid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes(marker)) {
    say(`stopping a Temporal server left over from an earlier run (pid ${temporalPid})`);
    process.kill(temporalPid, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(temporalPid); i++)
      await new Promise((r) => setTimeout(r, 200));
  }
  await fs.rm(pidFile, { force: true });
}

async function startTemporalDevServer(config: Config, shutdown: Shutdown): Promise<void> {
  const cli = await resolveTemporalCli({
    cacheDir: config.cacheDir,
    explicitPath: config.tools.temporalCliPath,
    log: say,
    allowSdkDownload: false,
  });
  if (cli.executable.type !== 'existing-path') throw new Error('no Temporal CLI binary');
  const executable = cli.executable.path;
  const dbFile = path.join(config.dataDir, 'temporal.sqlite');
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
    // With encrypted payloads, the UI shows them decrypted through our codec endpoint.
    ...(config.payloadEncryptionKey
      ? ['--ui-codec-endpoint', `${localHttpUrl(config)}/codec`]
      : []),
  ];
  const pidFile = path.join(config.dataDir, 'temporal.pid');
  say(`starting the Temporal dev server (state in ${dbFile})`);
  let child: ChildProcess | undefined;
  const backoff = restartBackoff();
  const launch = async (first: boolean): Promise<void> => {
    // Every workflow history is in the SQLite file (and its -wal, -shm): files the server creates
    // are its owner's only (umask 077), and one left readable by an older version is narrowed.
    for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`])
      await fs.chmod(file, PRIVATE_FILE_MODE).catch(() => {});
    // Own process group: a terminal's Ctrl-C reaches only us, and we stop Temporal last.
    const current = spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', executable, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = current;
    // The server's pid and ours: a later start tells a leftover from a running stack by our pid.
    if (current.pid)
      await fs.writeFile(pidFile, `${current.pid} ${process.pid}`, { mode: PRIVATE_FILE_MODE });
    prefixLines(current.stdout, '[temporal]', process.stdout);
    prefixLines(current.stderr, '[temporal]', process.stderr);
    let ready = false;
    const started = Date.now();
    current.once('exit', (code, signal) => {
      // A first start that fails is reported by waitForTemporal, and npm start stops.
      if (shutdown.stopping || (first && !ready)) return;
      // The worker and the HTTP endpoint keep their connections and reconnect once it is back;
      // the workflows are in the SQLite file and carry on.
      const delay = backoff(started);
      say(
        `the Temporal dev server exited (${signal ?? `code ${code}`}); restarting it in ${delay / 1000} s`,
      );
      setTimeout(() => {
        if (shutdown.stopping) return;
        launch(false).then(
          () => say('the Temporal dev server is back'),
          (err: unknown) =>
            say(`restarting the Temporal dev server failed: ${(err as Error).message}`),
        );
      }, delay);
    });
    await waitForTemporal(temporalAddress(config), current, 60_000);
    ready = true;
  };
  shutdown.add('Temporal dev server', async () => {
    if (!child) return;
    child.kill('SIGTERM');
    await waitForExit(child, 10_000);
    await fs.rm(pidFile, { force: true });
  });
  await launch(true);
}

/**
 * The delay before restarting a part that exited after running since `started`: 1 s after a run
 * of over 30 s, else doubling (2 s, 4 s, …, at most 30 s) while it keeps dying at once — broken,
 * not unlucky: back off instead of spinning.
 */
function restartBackoff(): (started: number) => number {
  let restarts = 0;
  return (started) => {
    restarts = Date.now() - started > 30_000 ? 0 : restarts + 1;
    return Math.min(30_000, 1000 * 2 ** Math.min(restarts, 5));
  };
}

/**
 * The embedded Postgres, supervised: if it dies while we are up it is started again, with the
 * worker's backoff (the HTTP endpoint answers 503 with Retry-After meanwhile; the worker's and
 * endpoint's pools reconnect by themselves, the URL being the same).
 */
async function startPostgres(
  config: Config,
  clusterDir: string,
  secrets: LocalSecrets,
  shutdown: Shutdown,
): Promise<string> {
  if (config.databaseUrl) {
    say('using the Postgres of DATABASE_URL');
    return config.databaseUrl;
  }
  say(
    `starting the embedded Postgres on port ${config.embeddedPostgresPort} (data in ${clusterDir})`,
  );
  let child: ChildProcess | undefined;
  const backoff = restartBackoff();
  const launch = (first: boolean): Promise<string> => {
    const current = spawnPart(path.join(SRC_DIR, 'provision', 'postgres-main.ts'), {
      ...process.env,
      BOOMERANG_POSTGRES_SUPERUSER_PASSWORD: secrets.POSTGRES_SUPERUSER_PASSWORD,
      BOOMERANG_POSTGRES_APP_PASSWORD: secrets.POSTGRES_APP_PASSWORD,
    });
    child = current;
    prefixLines(current.stderr, '[postgres]', process.stderr);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let output = '';
      let ready = false;
      current.stdout?.setEncoding('utf8');
      current.stdout?.on('data', (chunk: string) => {
        if (ready) return;
        output += chunk;
        const line = /^READY (\S+)$/m.exec(output);
        if (line?.[1]) {
          ready = true;
          if (!first) say('the embedded Postgres is back');
          resolve(line[1]);
        }
      });
      current.once('exit', (code, signal) => {
        if (shutdown.stopping) return;
        if (first && !ready)
          return reject(
            new Error(
              `the embedded Postgres exited (code ${code}) before it was ready; see the [postgres] lines above`,
            ),
          );
        const delay = backoff(started);
        // Code 3: postgres-main saw its server vanish; the server's own signal is not known to it.
        const why = signal ?? (code === 3 ? 'its server was killed or crashed' : `code ${code}`);
        say(`the embedded Postgres exited (${why}); restarting it in ${delay / 1000} s`);
        setTimeout(() => {
          if (!shutdown.stopping) launch(false).catch(() => {});
        }, delay);
        if (!ready) reject(new Error('the embedded Postgres exited before it was ready'));
      });
    });
  };
  shutdown.add('Postgres', async () => {
    if (!child) return;
    child.kill('SIGTERM');
    await waitForExit(child, 20_000);
  });
  return launch(true);
}

const SRC_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts a TypeScript part of the stack in its own process group, so a terminal's Ctrl-C reaches
 * only the supervisor, which then stops the parts in order (worker and HTTP before their database).
 * The child's stdin is a pipe from us: if we die without stopping it, it sees the pipe close.
 */
function spawnPart(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...env, BOOMERANG_SUPERVISED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: PROJECT_ROOT,
    detached: true,
  });
}

/** Runs a part of the stack as a child process, restarting it if it dies while we are up. */
function supervise(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  shutdown: Shutdown,
  readyLine: RegExp,
): Promise<void> {
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let child: ChildProcess | undefined;
  const backoff = restartBackoff();
  const launch = () => {
    child = spawnPart(script, env);
    prefixLines(
      child.stdout,
      `[${name}]`,
      process.stdout,
      (line) => readyLine.test(line) && markReady(),
    );
    prefixLines(child.stderr, `[${name}]`, process.stderr);
    const started = Date.now();
    child.once('exit', (code, signal) => {
      if (shutdown.stopping) return;
      const delay = backoff(started);
      say(`${name} exited (${signal ?? `code ${code}`}); restarting in ${delay / 1000} s`);
      setTimeout(() => !shutdown.stopping && launch(), delay);
    });
  };
  launch();
  shutdown.add(name, async () => {
    if (!child) return;
    child.kill('SIGTERM');
    await waitForExit(child, 15_000);
  });
  return ready;
}

/** The HTTP endpoint as this machine reaches it (a wildcard HOST answers on loopback too). */
function localHttpUrl(config: Config): string {
  const host = ['0.0.0.0', '::', '127.0.0.1'].includes(config.httpHost)
    ? 'localhost'
    : config.httpHost;
  return httpUrl(host, config.httpPort);
}

export interface StartOptions {
  /** Which Temporal to run when TEMPORAL_ADDRESS is unset. */
  temporal: 'dev' | 'server';
  workers: number;
}

/** `npm start -- [--temporal dev|server] [--workers N]`. */
export function parseStartArgs(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      temporal: { type: 'string', default: 'dev' },
      workers: { type: 'string', default: '1' },
    },
    strict: true,
  });
  if (values.temporal !== 'dev' && values.temporal !== 'server')
    throw new Error(
      `--temporal must be dev (the dev server, SQLite) or server (the production server on Postgres), got ${JSON.stringify(values.temporal)}`,
    );
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 32)
    throw new Error(
      `--workers must be a whole number from 1 to 32, got ${JSON.stringify(values.workers)}`,
    );
  return { temporal: values.temporal, workers };
}

/**
 * The release's ports on the default frontend port; otherwise free ones, so that several stacks
 * can share a machine. Kept for the next start: the cluster remembers its members' ports.
 */
async function serverPorts(config: Config, stateDir: string): Promise<TemporalServerPorts> {
  const file = path.join(stateDir, 'ports.json');
  const saved = JSON.parse(
    await fs.readFile(file, 'utf8').catch(() => 'null'),
  ) as TemporalServerPorts | null;
  if (saved?.frontend === config.temporal.devServerPort) return saved;
  const ports =
    config.temporal.devServerPort === 7233
      ? defaultServerPorts()
      : { ...(await freeServerPorts()), frontend: config.temporal.devServerPort };
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await fs.writeFile(file, JSON.stringify(ports, null, 2));
  return ports;
}

/** The production server on the stack's Postgres, and its Web UI; state under the data directory. */
async function startProductionTemporal(
  config: Config,
  databaseUrl: string,
  shutdown: Shutdown,
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
  const server = await startTemporalServer({
    binaries,
    postgresUrl: databaseUrl,
    stateDir,
    ports: await serverPorts(config, stateDir),
    namespace: config.temporal.namespace,
    log: say,
  });
  const pidFile = path.join(config.dataDir, 'temporal-server.pid');
  if (server.child.pid) await fs.writeFile(pidFile, `${server.child.pid} ${process.pid}`);
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
    codecEndpoint: config.payloadEncryptionKey
      ? `http://localhost:${config.httpPort}/codec`
      : undefined,
  });
  const uiPidFile = path.join(config.dataDir, 'temporal-ui.pid');
  if (ui.child.pid) await fs.writeFile(uiPidFile, `${ui.child.pid} ${process.pid}`);
  shutdown.add('Temporal Web UI', async () => {
    await ui.stop();
    await fs.rm(uiPidFile, { force: true });
  });
}

export async function start(
  config: Config,
  options: StartOptions = { temporal: 'dev', workers: 1 },
): Promise<void> {
  await ensurePrivateDir(config.dataDir);
  const cluster = config.databaseUrl ? undefined : await embeddedClusterDir(config.dataDir);
  if (cluster) await fs.chmod(config.dataDir, cluster.dataDirMode);
  const shutdown = new Shutdown();
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      say(`${signal}: stopping`);
      shutdown.stopping = true;
      stopRequested();
    });
  }

  try {
    // Everything we will listen on must be free before anything starts.
    if (!config.temporal.address) {
      await reapLeftover(path.join(config.dataDir, 'temporal.pid'), 'start-dev');
      await reapLeftover(
        path.join(config.dataDir, 'temporal-server.pid'),
        path.join(config.dataDir, 'temporal-server'),
      );
      await reapLeftover(
        path.join(config.dataDir, 'temporal-ui.pid'),
        path.join(config.dataDir, 'temporal-server'),
      );
      await assertPortFree(
        config.temporal.devServerPort,
        'TEMPORAL_DEV_SERVER_PORT',
        'Temporal dev server',
      );
      await assertPortFree(config.temporal.uiPort, 'TEMPORAL_UI_PORT', 'Temporal Web UI');
    }
    if (!config.databaseUrl)
      await assertPortFree(
        config.embeddedPostgresPort,
        'EMBEDDED_POSTGRES_PORT',
        'embedded Postgres',
      );
    await assertPortFree(config.httpPort, 'PORT', 'HTTP endpoint');

    if (config.temporal.address) {
      say(`using the Temporal server at ${config.temporal.address}`);
      const client = await connectClient(config);
      const added = await registerSearchAttributes(client, config.temporal.namespace);
      if (added.length) say(`registered search attributes ${added.join(', ')}`);
      await client.connection.close();
    } else if (options.temporal === 'dev') {
      await startTemporalDevServer(config, shutdown);
    }

    const secrets = await localSecrets(config);
    const databaseUrl = await startPostgres(config, cluster?.clusterDir ?? '', secrets, shutdown);
    // The production server keeps its state in databases of its own beside Boomerang's.
    // It creates those databases, so on the embedded Postgres it connects as the cluster's superuser,
    // not as the application's role.
    if (!config.temporal.address && options.temporal === 'server')
      await startProductionTemporal(
        config,
        config.databaseUrl ??
          embeddedSuperuserUrl(
            config.embeddedPostgresPort,
            secrets.POSTGRES_SUPERUSER_PASSWORD,
            'postgres',
          ),
        shutdown,
      );
    const db = createDb(databaseUrl, { max: 2 });
    try {
      const applied = await migrateToLatest(db);
      say(
        applied.length
          ? `applied migrations: ${applied.join(', ')}`
          : 'database schema is up to date',
      );
    } finally {
      await db.destroy();
    }

    const childEnv = {
      ...process.env,
      BOOMERANG_API_KEY: secrets.BOOMERANG_API_KEY,
      BOOMERANG_SIGNING_SECRET: secrets.BOOMERANG_SIGNING_SECRET,
      BOOMERANG_OPERATOR_KEY: secrets.BOOMERANG_OPERATOR_KEY,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress(config),
      TEMPORAL_NAMESPACE: config.temporal.namespace,
    };
    const workers = Array.from({ length: options.workers }, (_, i) =>
      supervise(
        options.workers === 1 ? 'worker' : `worker-${i + 1}`,
        path.join(SRC_DIR, 'worker.ts'),
        childEnv,
        shutdown,
        /polling task queue/,
      ),
    );
    const partsReady = Promise.all([
      ...workers,
      supervise('http', path.join(SRC_DIR, 'http', 'main.ts'), childEnv, shutdown, /listening on/),
    ]);
    // Ctrl-C while the parts are still starting must not wait for them.
    await Promise.race([partsReady, stopped]);
    if (shutdown.stopping) return;

    const redactedDb = databaseUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
    const http = localHttpUrl(config);
    const secretsFile = path.join(config.dataDir, SECRETS_FILE);
    // The CLI reads where the stack answers from here, so nothing needs exporting.
    await writeStackState(config.dataDir, {
      pid: process.pid,
      databaseUrl,
      temporalAddress: temporalAddress(config),
      temporalNamespace: config.temporal.namespace,
      temporalUiUrl: config.temporal.uiUrl,
      httpUrl: http,
    });
    shutdown.add('stack state', () => removeStackState(config.dataDir));
    const reach =
      config.httpHost === '127.0.0.1' ||
      config.httpHost === 'localhost' ||
      config.httpHost === '::1'
        ? 'this machine only; HOST to open it'
        : `listening on ${config.httpHost}`;
    say(
      [
        'up and running:',
        `  Temporal Web UI   ${config.temporal.uiUrl}`,
        `  Temporal server   ${temporalAddress(config)} (namespace ${config.temporal.namespace}; ${config.temporal.address ? 'external' : options.temporal === 'server' ? 'production server on Postgres' : 'dev server'})`,
        `  Workers           ${options.workers}`,
        `  HTTP endpoint     ${httpUrl(config.httpHost, config.httpPort)}  (${reach}; POST /events, /webhooks/shopify, /unsubscribe, /healthz, /readyz)`,
        `  Dashboard         ${http}/dashboard  (sign in with any user name and the operator key)`,
        `  Operator key      ${maskKey(secrets.BOOMERANG_OPERATOR_KEY)}  (also Bearer for /api/report, /metrics, /codec)`,
        `  API key           ${maskKey(secrets.BOOMERANG_API_KEY)}  (Authorization: Bearer …, for POST /events)`,
        `  Keys kept in      ${config.operatorKey && config.apiKey ? 'the environment' : `${secretsFile} (owner-only; jq -r .BOOMERANG_OPERATOR_KEY ${secretsFile})`}`,
        `  Postgres          ${redactedDb}  (the CLI finds it while this runs)`,
        'Press Ctrl-C to stop; starting again resumes every running campaign.',
      ].join('\n'),
    );
    await stopped;
  } finally {
    await shutdown.run();
    say('stopped');
  }
}

/**
 * A key as the banner shows it: its prefix and last four characters, enough to tell keys apart;
 * the banner ends up in captured logs, the keys stay in the secrets file.
 */
export function maskKey(key: string): string {
  // The prefixes generated keys start with (src/provision/local-state.ts).
  const prefix = /^bmr_(?:op_)?/.exec(key)?.[0] ?? '';
  return key.length - prefix.length > 8 ? `${prefix}…${key.slice(-4)}` : '…';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runMain('boomerang', () => start(loadConfig(), parseStartArgs(process.argv.slice(2))));
}
