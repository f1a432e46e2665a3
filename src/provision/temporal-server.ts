/**
 * The production Temporal server (`go.temporal.io/server`) on Postgres, provisioned like the CLI:
 * its two binaries — the server and `temporal-sql-tool` — are built once with `go install` through
 * the Go module proxy and cached per version under the user's cache directory.
 *
 * Running it: persistence and SQL visibility each get their own database on the given Postgres,
 * the SQL tool sets up and upgrades their schemas (embedded in the tool, so no source tree is
 * needed), a config file in the shape of the release's `config/development-postgres12.yaml` is
 * written, the server starts, and the namespace and Boomerang's search attributes are created.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { stringify } from 'yaml';
import { CAMPAIGN } from '../domain/search-attributes.js';
import { registerSearchAttributes } from '../temporal/search-attributes.js';
import { ConfigError } from '../config.js';
import { createDatabaseIfMissing, temporalHistoryShards } from '../db/admin.js';
import { killOnAbort, terminate } from '../supervisor.js';
import {
  errorText,
  installAtomically,
  isExecutable,
  type Log,
  ProvisionError,
  runGo,
  which,
} from './tools.js';

const run = promisify(execFile);

export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The server's go.mod asks for a newer Go than most machines have; `go` fetches this toolchain. */
export const GO_TOOLCHAIN = 'go1.27.3';

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  source: 'env' | 'cache' | 'go';
}

export interface ResolveServerOptions {
  cacheDir: string;
  /** TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH: binaries built or installed elsewhere. */
  explicit?: { server?: string; sqlTool?: string };
  log?: Log;
}

/** Where the cached build of a version lives: `<cache>/temporal-server-<version>/bin/{server,sql}`. */
export function temporalServerCacheDir(cacheDir: string): string {
  return path.join(cacheDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`, 'bin');
}

/**
 * Explicit paths → per-version cache → `go install` into the cache (15–25 minutes on two busy
 * cores, about 200 MB of binaries; the progress is logged).
 */
export async function resolveTemporalServer(
  opts: ResolveServerOptions,
): Promise<TemporalServerBinaries> {
  const log = opts.log ?? (() => {});
  const { server: explicitServer, sqlTool: explicitSql } = opts.explicit ?? {};
  if (explicitServer || explicitSql) {
    const bad = [
      ['TEMPORAL_SERVER_PATH', explicitServer],
      ['TEMPORAL_SQL_TOOL_PATH', explicitSql],
    ].filter(([, file]) => !file);
    const checks = await Promise.all(
      [explicitServer, explicitSql].map((f) => (f ? isExecutable(f) : false)),
    );
    if (bad.length || !checks.every(Boolean))
      throw new ProvisionError(
        'Temporal server',
        [
          `TEMPORAL_SERVER_PATH=${explicitServer ?? ''}, TEMPORAL_SQL_TOOL_PATH=${explicitSql ?? ''}`,
        ],
        'Set both to executable files (the `server` and `temporal-sql-tool` binaries of the same release), or unset both to let Boomerang build them.',
      );
    return { server: explicitServer!, sqlTool: explicitSql!, source: 'env' };
  }

  const binDir = temporalServerCacheDir(opts.cacheDir);
  const cached = { server: path.join(binDir, 'server'), sqlTool: path.join(binDir, 'sql') };
  if ((await isExecutable(cached.server)) && (await isExecutable(cached.sqlTool))) {
    log(`Temporal server ${TEMPORAL_SERVER_VERSION}: using ${binDir} (cache)`);
    return { ...cached, source: 'cache' };
  }

  const result = await buildWithGo({
    tool: 'Temporal server',
    binDir,
    packages: [
      `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
      `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    ],
    module: `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`,
    timeoutMs: 80 * 60_000,
    withoutGo:
      'Install Go (any version from 1.21; it fetches the toolchain the server needs), or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH.',
    whenFailed:
      'The build needs the Go module proxy (proxy.golang.org, or GOPROXY). Or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH.',
    building: `building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with go install (${GO_TOOLCHAIN}); this takes 15–25 minutes once, then the binaries are cached in ${binDir}`,
    installed: async () =>
      (await isExecutable(cached.server)) && (await isExecutable(cached.sqlTool)),
    log,
  });
  if (result === 'cached') {
    log(`Temporal server ${TEMPORAL_SERVER_VERSION}: using ${binDir} (built by another process)`);
    return { ...cached, source: 'cache' };
  }
  return { ...cached, source: 'go' };
}

/** A `go install` of one tool's binaries, as the two builds here describe it. */
interface GoBuild {
  /** The tool's name in messages ("Temporal server"). */
  tool: string;
  binDir: string;
  packages: string[];
  /** The module a failure names. */
  module: string;
  timeoutMs: number;
  /** What to do without a Go toolchain on PATH. */
  withoutGo: string;
  /** What to do when the build fails. */
  whenFailed: string;
  /** The line that says the build starts, and how long it takes. */
  building: string;
  /** The binaries are in binDir (another process may have built them meanwhile). */
  installed: () => Promise<boolean>;
  log: Log;
}

/**
 * `go install` of `packages` into binDir (atomically: all or nothing, one process at a time),
 * with the Go toolchain the server needs and no cgo, tried again after a network failure, and the
 * time it took logged. No `go` on PATH or a failed build is a ProvisionError of the tool (naming
 * its module). 'cached' when another process built it meanwhile.
 */
async function buildWithGo(build: GoBuild): Promise<'built' | 'cached'> {
  const { tool, binDir, log } = build;
  const go = await which('go');
  if (!go)
    throw new ProvisionError(
      tool,
      [`cache: nothing in ${binDir}`, 'go install: no Go toolchain on PATH'],
      build.withoutGo,
    );
  const started = Date.now();
  let result: 'built' | 'cached';
  try {
    result = await installAtomically(
      binDir,
      async (scratch) => {
        log(build.building);
        const progress = setInterval(
          () =>
            log(`still building the ${tool} (${Math.round((Date.now() - started) / 60_000)} min)`),
          60_000,
        );
        try {
          await runGo(
            go,
            ['install', ...build.packages],
            {
              env: { ...process.env, GOBIN: scratch, GOTOOLCHAIN: GO_TOOLCHAIN, CGO_ENABLED: '0' },
              maxBuffer: 64 * 1024 * 1024,
              timeout: build.timeoutMs,
            },
            log,
          );
        } finally {
          clearInterval(progress);
        }
      },
      { installed: build.installed, what: tool, log },
    );
  } catch (err) {
    throw new ProvisionError(
      tool,
      [`go install ${build.module}: ${errorText(err)}`],
      build.whenFailed,
    );
  }
  if (result === 'built')
    log(`built the ${tool} in ${Math.round((Date.now() - started) / 1000)} s`);
  return result;
}

/** The ports of the four services a single server process runs. */
export interface TemporalServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** The release's defaults, used by `npm start -- --temporal server`. */
export function defaultServerPorts(frontend = 7233): TemporalServerPorts {
  return {
    frontend,
    frontendHttp: 7243,
    frontendMembership: 6933,
    history: 7234,
    historyMembership: 6934,
    matching: 7235,
    matchingMembership: 6935,
    worker: 7239,
    workerMembership: 6939,
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Free ports for a server beside others (tests, several stacks on one machine). Below 32768: the
 * server stores membership ports in a `smallint` column, and the kernel hands out ephemeral
 * ports above that, so they are less likely to be taken meanwhile.
 */
export async function freeServerPorts(): Promise<TemporalServerPorts> {
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (!taken.has(port) && (await portIsFree(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const ports = {} as TemporalServerPorts;
  for (const key of Object.keys(defaultServerPorts()) as (keyof TemporalServerPorts)[])
    ports[key] = await pick();
  return ports;
}

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** Any database URL of the Postgres server to use; its user must be allowed to create databases. */
  postgresUrl: string;
  /** Database names; default `temporal` and `temporal_visibility`. */
  databases?: { persistence: string; visibility: string };
  /** Config files and the server log go here. */
  stateDir: string;
  ports: TemporalServerPorts;
  namespace: string;
  log?: Log;
  /** Connections per service and store; four services share the one Postgres. */
  maxConns?: number;
  /**
   * History shards of a new persistence database (default 4). A database keeps the count it was
   * set up with: another value given here is refused.
   */
  historyShards?: number;
  /** Aborted when npm start stops: a start under way kills its server and fails. */
  signal?: AbortSignal;
}

export const DEFAULT_HISTORY_SHARDS = 4;

export interface RunningTemporalServer {
  address: string;
  ports: TemporalServerPorts;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

function postgresParts(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The shard count to start with: the database's own once it has one (Temporal would ignore
 * another, with only a line in its log), else the one asked for.
 */
async function historyShardsFor(opts: TemporalServerOptions, database: string): Promise<number> {
  const persisted = await temporalHistoryShards(databaseUrl(opts.postgresUrl, database));
  if (persisted === undefined) return opts.historyShards ?? DEFAULT_HISTORY_SHARDS;
  if (opts.historyShards !== undefined && opts.historyShards !== persisted)
    throw new ConfigError([
      {
        variable: 'TEMPORAL_HISTORY_SHARDS',
        message: `${opts.historyShards}, but the Temporal database ${database} was set up with ${persisted} history shards and cannot change its count: unset it (or set ${persisted}); another count needs a new Temporal database`,
      },
    ]);
  return persisted;
}

/** Creates the database if needed, then `setup-schema -v 0.0` and `update-schema` to the latest. */
async function prepareDatabase(
  sqlTool: string,
  postgresUrl: string,
  database: string,
  embeddedSchema: string,
  log: Log,
): Promise<void> {
  if (await createDatabaseIfMissing(databaseUrl(postgresUrl, 'postgres'), database))
    log(`created the database ${database}`);
  const pg = postgresParts(postgresUrl);
  const common = [
    '--plugin',
    'postgres12',
    '--endpoint',
    pg.host,
    '--port',
    String(pg.port),
    '--user',
    pg.user,
    '--database',
    database,
  ];
  // The password goes through the environment, not the command line that `ps` shows.
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  const tool = async (args: string[]) => {
    try {
      await run(sqlTool, [...common, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${errorText(err)}`);
    }
  };
  // Only creates the versioning tables; harmless when they exist.
  await tool(['setup-schema', '--version', '0.0']);
  await tool(['update-schema', '--schema-name', embeddedSchema]);
}

function serverConfig(opts: TemporalServerOptions, dynamicConfigFile: string, shards: number) {
  const pg = postgresParts(opts.postgresUrl);
  const dbs = opts.databases ?? { persistence: 'temporal', visibility: 'temporal_visibility' };
  const maxConns = opts.maxConns ?? 8;
  const store = (databaseName: string, conns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns: conns,
      maxIdleConns: conns,
      maxConnLifetime: '1h',
    },
  });
  const p = opts.ports;
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      // Fixed at the first start: the shard count cannot change once the database holds data.
      numHistoryShards: shards,
      datastores: {
        'postgres-default': store(dbs.persistence, maxConns),
        'postgres-visibility': store(dbs.visibility, Math.max(2, Math.ceil(maxConns / 3))),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(p.frontend, p.frontendMembership, { httpPort: p.frontendHttp }),
      history: service(p.history, p.historyMembership),
      matching: service(p.matching, p.matchingMembership),
      worker: service(p.worker, p.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `localhost:${p.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Boomerang's journey ids (`<campaign>/<contact>`) and step names fit the defaults; the UI's limit
 * is raised as in the release's SQL config. Journeys a worker starts on its own task queue (a
 * launch's) start eagerly: their first workflow task comes back with the start, without a poll
 * (the release's default too, said explicitly). docker-compose's Temporal reads the same from
 * deploy/temporal-dynamicconfig.yaml.
 */
export const DYNAMIC_CONFIG = {
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
  'system.enableEagerWorkflowStart': [{ value: true, constraints: {} }],
};

/**
 * Waits until the Temporal frontend at `address` answers, failing early if `child` (the server
 * starting it, called `what` in messages) exits first; `logFile`, if any, is named in the errors.
 */
export async function waitForFrontend(
  address: string,
  child: ChildProcess,
  { what, timeoutMs, logFile }: { what: string; timeoutMs: number; logFile?: string },
): Promise<void> {
  const seeLog = logFile ? `; see ${logFile}` : '';
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    // A server killed (by a stop requested meanwhile) has a signal, not an exit code.
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what} exited (${child.signalCode ?? `code ${child.exitCode}`}) while starting${seeLog}`,
      );
    try {
      const connection = await Connection.connect({ address, connectTimeout: '2s' });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(
    `${what} did not answer on ${address} within ${timeoutMs / 1000} s (${lastError})${seeLog}`,
  );
}

const ALREADY_EXISTS = 6;

/**
 * How long closed workflows stay visible: 3 days. protobufjs encodes a plain number into the
 * int64 field; the generated type names only Long, a package of the SDK's, not ours.
 */
const RETENTION = { seconds: 3 * 24 * 60 * 60 } as unknown as proto.google.protobuf.IDuration;

/** Creates the namespace and the search attributes, and waits until a query may use them. */
export async function prepareNamespace(
  address: string,
  namespace: string,
  log: Log,
  timeoutMs = 120_000,
  /** Aborted when npm start stops: no more waiting for a server that is being killed. */
  signal?: AbortSignal,
): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: RETENTION,
      });
      log(`created the namespace ${namespace}`);
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
    const client = new Client({ connection, namespace });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        // The frontend learns of a new namespace and new attributes from caches refreshed every few seconds.
        const added = await registerSearchAttributes(client, namespace);
        if (added.length) log(`registered search attributes ${added.join(', ')}`);
        await connection.workflowService.listWorkflowExecutions({
          namespace,
          pageSize: 1,
          query: `${CAMPAIGN.name} = 'ready-check'`,
        });
        return;
      } catch (err) {
        signal?.throwIfAborted();
        if (Date.now() > deadline)
          throw new Error(
            `the namespace ${namespace} was not ready within ${timeoutMs / 1000} s: ${(err as Error).message}`,
          );
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await connection.close();
  }
}

/** The server could not bind one of its ports: another program listens there. */
export class PortTakenError extends Error {
  override name = 'PortTakenError';
  constructor(
    readonly port: number,
    message: string,
  ) {
    super(`port ${port} is taken: ${message}`);
  }
}

/**
 * startTemporalServer on free ports: ports picked free may be taken by another program before the
 * server binds them, so a start that lost such a race is tried again on fresh ones.
 */
export async function startTemporalServerOnFreePorts(
  opts: Omit<TemporalServerOptions, 'ports'>,
  { frontend, attempts = 3 }: { frontend?: number; attempts?: number } = {},
): Promise<RunningTemporalServer> {
  for (let attempt = 1; ; attempt++) {
    const picked = await freeServerPorts();
    const ports = { ...picked, frontend: frontend ?? picked.frontend };
    try {
      return await startTemporalServer({ ...opts, ports });
    } catch (err) {
      // A port that was given, not picked, stays taken: starting again would not help.
      if (!(err instanceof PortTakenError) || err.port === frontend || attempt >= attempts)
        throw err;
      opts.log?.(`the Temporal server lost port ${err.port} to another program; starting it again`);
    }
  }
}

/** Sets up the databases, writes the config, starts the server and prepares the namespace. */
export async function startTemporalServer(
  opts: TemporalServerOptions,
): Promise<RunningTemporalServer> {
  const log = opts.log ?? (() => {});
  const dbs = opts.databases ?? { persistence: 'temporal', visibility: 'temporal_visibility' };
  await prepareDatabase(
    opts.binaries.sqlTool,
    opts.postgresUrl,
    dbs.persistence,
    'postgresql/v12/temporal',
    log,
  );
  await prepareDatabase(
    opts.binaries.sqlTool,
    opts.postgresUrl,
    dbs.visibility,
    'postgresql/v12/visibility',
    log,
  );
  log(`schemas of ${dbs.persistence} and ${dbs.visibility} are up to date`);
  const shards = await historyShardsFor(opts, dbs.persistence);

  await fs.mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  const dynamicConfigFile = path.join(opts.stateDir, 'dynamicconfig.yaml');
  const configFile = path.join(opts.stateDir, 'config.yaml');
  const logFile = path.join(opts.stateDir, 'temporal-server.log');
  await fs.writeFile(dynamicConfigFile, stringify(DYNAMIC_CONFIG));
  // Holds the database password: readable by its owner only.
  await fs.writeFile(configFile, stringify(serverConfig(opts, dynamicConfigFile, shards)), {
    mode: 0o600,
  });

  const address = `127.0.0.1:${opts.ports.frontend}`;
  const logStart = await fs.stat(logFile).then(
    (stat) => stat.size,
    () => 0,
  );
  const out = createWriteStream(logFile, { flags: 'a' });
  await new Promise((resolve) => out.once('open', resolve));
  const child = spawn(
    opts.binaries.server,
    ['--config-file', configFile, '--allow-no-auth', 'start'],
    { stdio: ['ignore', out, out], detached: true },
  );
  if (opts.signal) killOnAbort(child, opts.signal);
  const stop = async () => {
    await terminate(child, 'the Temporal server');
    out.end();
  };
  try {
    log(`starting the Temporal server ${TEMPORAL_SERVER_VERSION} on ${address} (log: ${logFile})`);
    await waitForFrontend(address, child, {
      what: 'the Temporal server',
      timeoutMs: 120_000,
      logFile,
    });
    await prepareNamespace(address, opts.namespace, log, undefined, opts.signal);
  } catch (err) {
    await stop();
    const log = (await fs.readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
    const taken = /:(\d+): bind: address already in use/.exec(log);
    if (taken) throw new PortTakenError(Number(taken[1]), (err as Error).message);
    throw err;
  }
  return { address, ports: opts.ports, child, logFile, stop };
}

/**
 * The Web UI without the dev server: `github.com/temporalio/ui-server/v2`, whose module carries the
 * built UI (ui/assets), so `go install …/cmd/server` yields a complete UI. 2.54.1 is the UI the
 * CLI's dev server bundles; later releases need module versions the Go proxy here does not serve.
 */
export const UI_SERVER_VERSION = '2.54.1';

export async function resolveUiServer(opts: {
  cacheDir: string;
  explicitPath?: string;
  log?: Log;
}): Promise<string> {
  const log = opts.log ?? (() => {});
  if (opts.explicitPath) {
    if (await isExecutable(opts.explicitPath)) return opts.explicitPath;
    throw new ProvisionError(
      'Temporal UI server',
      [`TEMPORAL_UI_SERVER_PATH=${opts.explicitPath}: not an executable file`],
      'Point TEMPORAL_UI_SERVER_PATH at the ui-server binary, or unset it.',
    );
  }
  const binDir = path.join(opts.cacheDir, `temporal-ui-server-${UI_SERVER_VERSION}`, 'bin');
  const cached = path.join(binDir, 'server');
  if (await isExecutable(cached)) return cached;
  await buildWithGo({
    tool: 'Temporal UI server',
    binDir,
    packages: [`github.com/temporalio/ui-server/v2/cmd/server@v${UI_SERVER_VERSION}`],
    module: `github.com/temporalio/ui-server/v2@v${UI_SERVER_VERSION}`,
    timeoutMs: 30 * 60_000,
    withoutGo: 'Install Go, or set TEMPORAL_UI_SERVER_PATH.',
    whenFailed: 'The build needs the Go module proxy. Or set TEMPORAL_UI_SERVER_PATH.',
    building: `building the Temporal UI server ${UI_SERVER_VERSION} with go install (a few minutes, once)`,
    installed: () => isExecutable(cached),
    log,
  });
  return cached;
}

export interface UiServerOptions {
  binary: string;
  stateDir: string;
  port: number;
  temporalAddress: string;
  namespace: string;
  /** The HTTP service's codec endpoint, when payloads are encrypted. */
  codecEndpoint?: string;
  /** Aborted when npm start stops: a start under way kills the UI server and fails. */
  signal?: AbortSignal;
}

export interface RunningUiServer {
  url: string;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts the UI server with a generated config; resolves once it answers. */
export async function startUiServer(opts: UiServerOptions): Promise<RunningUiServer> {
  const configDir = path.join(opts.stateDir, 'ui-config');
  await fs.mkdir(configDir, { recursive: true });
  await fs.writeFile(
    path.join(configDir, 'boomerang.yaml'),
    stringify({
      temporalGrpcAddress: opts.temporalAddress,
      host: '127.0.0.1',
      port: opts.port,
      enableUi: true,
      defaultNamespace: opts.namespace,
      // No outbound fetch of the UI's news feed: it fails on machines without internet.
      disableNewsFetch: true,
      notifyOnNewVersion: false,
      cors: { allowOrigins: [`http://localhost:${opts.port}`], cookieInsecure: true },
      // The codec endpoint needs the operator key: the browser sends the Basic credentials it holds
      // for the endpoint (after the operator signed in to /dashboard) only with this set.
      ...(opts.codecEndpoint
        ? { codec: { endpoint: opts.codecEndpoint, includeCredentials: true } }
        : {}),
    }),
  );
  const logFile = path.join(opts.stateDir, 'temporal-ui.log');
  const out = createWriteStream(logFile, { flags: 'a' });
  await new Promise((resolve) => out.once('open', resolve));
  const child = spawn(
    opts.binary,
    ['--root', opts.stateDir, '--config', 'ui-config', '--env', 'boomerang', 'start'],
    { stdio: ['ignore', out, out], detached: true },
  );
  if (opts.signal) killOnAbort(child, opts.signal);
  const url = `http://localhost:${opts.port}`;
  const stop = async () => {
    await terminate(child, 'the Temporal UI server');
    out.end();
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `the Temporal UI server exited (${child.signalCode ?? `code ${child.exitCode}`}); see ${logFile}`,
      );
    }
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child, logFile, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the Temporal UI server did not answer on ${url} within 30 s; see ${logFile}`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
