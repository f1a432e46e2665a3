/**
 * Runs once per `npm test`: provisions the Temporal binaries (cached across clones), starts an
 * embedded Postgres in a temporary directory unless DATABASE_URL is set, builds a migrated template
 * database that each test file copies, and bundles the workflow code once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { defaultCacheDir } from '../src/config.js';
import { createDb } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import {
  createDatabaseIfMissing,
  type EmbeddedPostgresHandle,
  startEmbeddedPostgres,
} from '../src/provision/postgres.js';
import { resolveTemporalCli, resolveTestServer } from '../src/provision/tools.js';
import { WORKFLOWS_PATH } from '../src/worker.js';
import { bundleWorkflowsQuietly } from './support/bundle.js';
import { freePort, retryOnTakenPort } from './support/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A connection string to a database where test files may CREATE DATABASE. */
    adminDatabaseUrl: string;
    templateDatabase: string;
    testServerPath: string;
    temporalCliPath: string;
    workflowBundlePath: string;
  }
}

const log = (m: string) => console.log(`[test setup] ${m}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cacheDir = defaultCacheDir();
  const [testServer, cli] = await Promise.all([
    resolveTestServer({
      cacheDir,
      explicitPath: process.env.TEMPORAL_TEST_SERVER_PATH,
      log,
      allowSdkDownload: false,
    }),
    resolveTemporalCli({
      cacheDir,
      explicitPath: process.env.TEMPORAL_CLI_PATH,
      log,
      allowSdkDownload: false,
    }),
  ]);
  if (testServer.executable.type !== 'existing-path' || cli.executable.type !== 'existing-path')
    throw new Error('unreachable');

  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'boomerang-test-'));
  // The embedded server runs as the `postgres` user, which must reach its data directory.
  await fs.chmod(scratch, 0o755);
  let embedded: EmbeddedPostgresHandle | undefined;
  let adminDatabaseUrl: string;
  if (process.env.DATABASE_URL) {
    adminDatabaseUrl = process.env.DATABASE_URL;
    log('using the Postgres of DATABASE_URL (test databases are created and dropped in it)');
  } else {
    embedded = await retryOnTakenPort(async () => {
      const port = await freePort();
      log(`starting an embedded Postgres on port ${port}`);
      return startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), port, persistent: false });
    });
    adminDatabaseUrl = embedded.adminUrl;
  }

  const templateDatabase = `boomerang_template_${process.pid}`;
  await createDatabaseIfMissing(adminDatabaseUrl, templateDatabase);
  const templateUrl = new URL(adminDatabaseUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  const db = createDb(templateUrl.toString(), { max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }

  const bundle = await bundleWorkflowsQuietly(WORKFLOWS_PATH);
  const workflowBundlePath = path.join(scratch, 'workflow-bundle.js');
  await fs.writeFile(workflowBundlePath, bundle.code);

  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('testServerPath', testServer.executable.path);
  project.provide('temporalCliPath', cli.executable.path);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    if (embedded) await embedded.stop();
    else {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: adminDatabaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${templateDatabase}"`);
      await client.end();
    }
    await fs.rm(scratch, { recursive: true, force: true });
  };
}
