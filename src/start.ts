/**
 * `npm start`: the whole stack on embedded defaults, as one process tree stopped by Ctrl-C.
 *   Temporal dev server (SQLite under .data/, Web UI) → Postgres (embedded unless DATABASE_URL)
 *   → migrations → worker(s) and HTTP endpoint as supervised child processes.
 * `--temporal server` runs the production Temporal server on that Postgres instead, with the
 * standalone Web UI; `--workers N` runs N worker processes on the same task queues.
 * Each part can point at real infrastructure instead (TEMPORAL_ADDRESS, DATABASE_URL).
 * The supervisor is src/supervisor.ts; the Temporal servers and the embedded Postgres are started
 * by src/provision/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Config, loadConfig, temporalAddress } from './config.js';
import { createDb } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { httpUrl } from './http/server.js';
import { failureLines, PlainFailure, ReportedFailure, runMain } from './main-helpers.js';
import { embeddedClusterDir, embeddedSuperuserUrl } from './provision/cluster-dir.js';
import { startTemporalDevServer } from './provision/dev-server.js';
import {
  ensurePrivateDir,
  localSecrets,
  reapLeftover,
  removeStackState,
  SECRETS_FILE,
  writeStackState,
} from './provision/local-state.js';
import { startSupervisedPostgres } from './provision/postgres-supervised.js';
import { stopLeftoverPostmaster } from './provision/postmaster.js';
import { startProductionTemporal } from './provision/production-server.js';
import {
  assertPortsFree,
  PART_STOP_GRACE_MS,
  type PortToListenOn,
  say,
  Shutdown,
  supervise,
} from './supervisor.js';
import { connectClient } from './temporal/connection.js';
import { registerSearchAttributes } from './temporal/search-attributes.js';

const SRC_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Ctrl-C, and what a service manager sends: either stops the whole stack. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

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
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        temporal: { type: 'string', default: 'dev' },
        workers: { type: 'string', default: '1' },
      },
      strict: true,
    }));
  } catch (err) {
    // An unknown or malformed flag: node's message names it.
    throw new PlainFailure((err as Error).message);
  }
  if (values.temporal !== 'dev' && values.temporal !== 'server')
    throw new PlainFailure(
      `--temporal must be dev (the dev server, SQLite) or server (the production server on Postgres), got ${JSON.stringify(values.temporal)}`,
    );
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 32)
    throw new PlainFailure(
      `--workers must be a whole number from 1 to 32, got ${JSON.stringify(values.workers)}`,
    );
  return { temporal: values.temporal, workers };
}

export async function start(
  config: Config,
  options: StartOptions = { temporal: 'dev', workers: 1 },
): Promise<void> {
  const cluster = config.databaseUrl ? undefined : await embeddedClusterDir(config.dataDir);
  const shutdown = new Shutdown();
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onStopSignal = (signal: NodeJS.Signals) => {
    // Said once: a signal to npm start's process group reaches us twice, straight and relayed by
    // tsx, and a second Ctrl-C changes nothing.
    if (shutdown.stopping) return;
    say(`${signal}: stopping`);
    shutdown.request();
    stopRequested();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);

  let failure: unknown;
  try {
    // Everything we will listen on must be free before anything starts; one error names each taken port.
    const ports: PortToListenOn[] = [];
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
      ports.push(
        {
          port: config.temporal.devServerPort,
          variable: 'TEMPORAL_DEV_SERVER_PORT',
          what: 'Temporal dev server',
        },
        { port: config.temporal.uiPort, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
      );
    }
    // A server an earlier run left on the cluster would hold its port and its data directory.
    if (cluster) await stopLeftoverPostmaster(cluster.clusterDir);
    if (!config.databaseUrl)
      ports.push({
        port: config.embeddedPostgresPort,
        variable: 'EMBEDDED_POSTGRES_PORT',
        what: 'embedded Postgres',
      });
    ports.push({ port: config.httpPort, variable: 'PORT', what: 'HTTP endpoint' });
    await assertPortsFree(ports);
    // Made (or tightened) only now: a start refused above leaves no empty data directory behind,
    // and one that existed as it was.
    await ensurePrivateDir(config.dataDir);
    if (cluster) await fs.chmod(config.dataDir, cluster.dataDirMode);

    // The Web UI's codec endpoint, at the banner's Dashboard address: the browser sends the
    // operator's credentials only to the origin where the operator signed in.
    const codecEndpoint = config.payloadEncryptionKey ? `${localHttpUrl(config)}/codec` : undefined;
    if (config.temporal.address) {
      say(`using the Temporal server at ${config.temporal.address}`);
      const client = await connectClient(config);
      const added = await registerSearchAttributes(client, config.temporal.namespace);
      if (added.length) say(`registered search attributes ${added.join(', ')}`);
      await client.connection.close();
    } else if (options.temporal === 'dev') {
      await startTemporalDevServer(config, shutdown, { codecEndpoint });
    }

    const secrets = await localSecrets(config);
    // Ctrl-C while a step starts stops the stack at once (Shutdown.unlessStopped).
    const databaseUrl = await shutdown.unlessStopped(() =>
      startSupervisedPostgres(config, cluster?.clusterDir ?? '', secrets, shutdown),
    );
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
        codecEndpoint,
      );
    const db = createDb(databaseUrl, { max: 2, connectTimeout: config.databaseConnectTimeout });
    try {
      const applied = await shutdown.unlessStopped(() => migrateToLatest(db));
      say(
        applied.length
          ? `applied migrations: ${applied.join(', ')}`
          : 'database schema is up to date',
      );
    } finally {
      // An abandoned migration keeps its connection until it ends (its transaction is rolled
      // back when Postgres stops or we exit): closing the pool would wait for it.
      const closing = db.destroy();
      if (shutdown.stopping) closing.catch(() => {});
      else await closing;
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
    await shutdown.unlessStopped(() =>
      Promise.all([
        ...Array.from({ length: options.workers }, (_, i) =>
          supervise(
            options.workers === 1 ? 'worker' : `worker-${i + 1}`,
            path.join(SRC_DIR, 'worker.ts'),
            childEnv,
            shutdown,
            /polling task queue/,
            PART_STOP_GRACE_MS,
            // Each worker may take its grace period finishing its tasks: not one after another.
            'workers',
          ),
        ),
        supervise(
          'http',
          path.join(SRC_DIR, 'http', 'main.ts'),
          childEnv,
          shutdown,
          /listening on/,
        ),
      ]),
    );

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
      publicUrl: config.publicUrl,
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
  } catch (err) {
    // A start that Ctrl-C abandoned is the stop asked for, not an error to report; any other
    // failure is told, even one that came just as a Ctrl-C did. The reason first: stopping what
    // did start follows from it.
    if (!shutdown.stoppedBy(err)) {
      failure = err;
      for (const line of failureLines('boomerang', err)) console.error(line);
    }
  } finally {
    // A start refused before anything ran (a port taken) has nothing to say stopped.
    const started = shutdown.started;
    await shutdown.run();
    if (started || failure === undefined) say('stopped');
    // Only once stopped, so a Ctrl-C meanwhile does not kill it halfway; removed, so a program
    // that starts the stack again does not pile them up.
    for (const signal of STOP_SIGNALS) process.off(signal, onStopSignal);
  }
  // A part that failed on its own during the stop was told then (Shutdown.fail).
  failure ??= shutdown.failure;
  if (failure !== undefined) throw new ReportedFailure(failure);
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
