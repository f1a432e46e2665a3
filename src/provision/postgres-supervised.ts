/**
 * `npm start`'s embedded Postgres as a supervised child process (postgres-main.ts): if it dies
 * while we are up it is started again, with the worker's backoff (the HTTP endpoint answers 503
 * with Retry-After meanwhile; the worker's and endpoint's pools reconnect by themselves, the URL
 * being the same).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import {
  failedOnItsOwn,
  prefixLines,
  restartBackoff,
  say,
  type Shutdown,
  spawnPart,
  STOP_GRACE_MS,
  terminate,
} from '../supervisor.js';
import type { LocalSecrets } from './local-state.js';
import { stopLeftoverPostmaster, stopOrphanedPostmaster } from './postmaster.js';

const POSTGRES_MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'postgres-main.ts');

/** The application's database URL: DATABASE_URL's, or the embedded server's once it is ready. */
export async function startSupervisedPostgres(
  config: Config,
  clusterDir: string,
  secrets: LocalSecrets,
  shutdown: Shutdown,
  /** How long shutdown waits for it after SIGTERM before killing it and stopping its server. */
  stopGraceMs = STOP_GRACE_MS,
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
    const current = spawnPart(POSTGRES_MAIN, {
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
        // Code 3: postgres-main saw its server vanish; the server's own signal is not known to it.
        const why = signal ?? (code === 3 ? 'its server was killed or crashed' : `code ${code}`);
        const exited =
          first && !ready
            ? `the embedded Postgres exited (${why}) before it was ready; see the [postgres] lines above`
            : `the embedded Postgres exited (${why})`;
        if (shutdown.stopping) {
          // Its start is no longer waited for (Shutdown.unlessStopped), but a failure of its own
          // (a server that refused to start) is still told; the stop's SIGTERM is none.
          if (failedOnItsOwn(current)) shutdown.fail(exited);
          return;
        }
        if (first && !ready) return reject(new Error(exited));
        const delay = backoff(started);
        say(`${exited}; restarting it in ${delay / 1000} s`);
        setTimeout(() => {
          if (shutdown.stopping) return;
          // A part killed outright leaves its server holding the port and the data directory.
          stopLeftoverPostmaster(clusterDir).then(
            () => {
              if (!shutdown.stopping) launch(false).catch(() => {});
            },
            (err: unknown) =>
              say(`restarting the embedded Postgres failed: ${(err as Error).message}`),
          );
        }, delay);
        if (!ready) reject(new Error('the embedded Postgres exited before it was ready'));
      });
    });
  };
  shutdown.add('Postgres', async () => {
    // Killing the part alone would leave its server holding the port and the data directory.
    if (child)
      await terminate(child, 'the embedded Postgres', stopGraceMs, () =>
        stopOrphanedPostmaster(clusterDir),
      );
  });
  return launch(true);
}
