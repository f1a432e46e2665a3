/**
 * A messages worker's email sender on its own, as a child process the tests can SIGKILL: the part
 * of the worker that forms batches and makes the provider requests (src/channels/sending.ts).
 */
import { createChannels } from '../../src/channels/index.js';
import { startSending } from '../../src/channels/sending.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/database.js';
import { runMain } from '../../src/main-helpers.js';

runMain('email-sender', async () => {
  const config = loadConfig();
  const db = createDb(config.databaseUrl!);
  const sending = startSending(config, db, createChannels(config, db), {
    leaseMs: Number(process.env.EMAIL_SENDER_LEASE_MS ?? 60_000),
  });
  console.log('email sender ready');
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
  await sending.stop();
  await db.destroy();
});
