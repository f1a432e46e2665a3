/**
 * Entry point of the HTTP endpoint (`npm run http`, or a child of `npm start`), with the inbox
 * processor that applies the events it stores.
 *
 * The endpoint listens before Temporal answers: events are stored in the inbox whatever Temporal's
 * state, and the processor starts applying them once the client is connected.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { assertReadyToStart, type Config, loadConfig } from '../config.js';
import { type InboxProcessor, startInboxProcessor } from '../inbox/processor.js';
import { stopWhenSupervisorDies } from '../supervised.js';
import { runMain } from '../main-helpers.js';
import {
  checkDatabase,
  databaseAddress,
  isDatabaseUnavailable,
  openDatabase,
  PostgresConnectError,
} from '../services/database.js';
import { connectClient } from '../temporal/connection.js';
import { createHttpServer, httpUrl, listen } from './server.js';

const RECONNECT_MS = 5000;

export async function runHttp(config: Config): Promise<void> {
  assertReadyToStart('http', config);
  const db = openDatabase(config);
  // A Postgres that turns the connection down (a wrong password or database) would fail every
  // request: stop, saying why. One not there or not ready may come back; meanwhile requests get 503.
  await checkDatabase(db).catch(async (err: unknown) => {
    if (!(err instanceof PostgresConnectError) || isDatabaseUnavailable(err)) return;
    await db.destroy();
    throw err;
  });
  let temporal: Client | undefined;
  let processor: InboxProcessor | undefined;
  let stopping = false;
  const server = createHttpServer({
    db,
    databaseAddress: databaseAddress(config.databaseUrl!),
    temporal: () => temporal,
    config,
    onEventsAccepted: () => processor?.kick(),
  });
  const port = await listen(server, config.httpPort, config.httpHost);
  console.log(`http: listening on ${httpUrl(config.httpHost, port)}`);

  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      stopping = true;
      server.close(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  // Connect to Temporal (retrying while it is down), then start applying the inbox.
  const connecting = (async () => {
    let warned = false;
    while (!stopping) {
      try {
        temporal = await connectClient(config);
        break;
      } catch (err) {
        if (!warned)
          console.warn(
            `http: ${(err as Error).message}; events are stored and applied once it answers (retrying every ${RECONNECT_MS / 1000} s)`,
          );
        warned = true;
        await new Promise((r) => setTimeout(r, RECONNECT_MS));
      }
    }
    if (!temporal || stopping) return;
    if (warned) console.log('http: connected to Temporal');
    processor = startInboxProcessor({
      db,
      temporal,
      taskQueue: config.temporal.taskQueue,
      defaultCurrency: config.shop.currency,
      softBounces: config.providerFeedback.softBounces,
    });
  })();

  await stopped;
  await connecting;
  await processor?.stop();
  await temporal?.connection.close();
  await db.destroy();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stopWhenSupervisorDies();
  runMain('http', () => runHttp(loadConfig()));
}
