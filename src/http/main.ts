/** Entry point of the HTTP endpoint (`npm run http`, or a child of `npm start`). */
import { fileURLToPath } from 'node:url';
import { type Config, loadConfig } from '../config.js';
import { createDb } from '../db/database.js';
import { stopWhenSupervisorDies } from '../supervised.js';
import { runMain } from '../main-helpers.js';
import { connectClient } from '../temporal/connection.js';
import { createHttpServer, listen } from './server.js';

export async function runHttp(config: Config): Promise<void> {
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set: the HTTP endpoint needs Postgres (npm start sets it for you).');
  const db = createDb(config.databaseUrl);
  const temporal = await connectClient(config);
  const server = createHttpServer({ db, temporal });
  const port = await listen(server, config.httpPort);
  console.log(`http: listening on http://localhost:${port}`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await temporal.connection.close();
  await db.destroy();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  stopWhenSupervisorDies();
  runMain('http', () => runHttp(loadConfig()));
}
