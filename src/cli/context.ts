/**
 * What every CLI command shares: the validated config, and lazily opened connections that are
 * closed when the command ends. One factory, so no command builds its own clients.
 */
import type { Client } from '@temporalio/client';
import { type Config, loadConfig } from '../config.js';
import { createDb, type Db } from '../db/database.js';
import { withRunningStack } from '../provision/local-state.js';
import { connectClient } from '../temporal/connection.js';
import { InFlightCalls } from '../temporal/in-flight.js';

/** An error meant for the user: printed without a stack trace, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class CliContext {
  private temporalClient: Client | undefined;
  private database: Db | undefined;
  private loaded: Config | undefined;
  private readonly inFlight = new InFlightCalls();

  get config(): Config {
    // With `npm start` up on its defaults, its database and Temporal, without exporting anything.
    this.loaded ??= withRunningStack(loadConfig());
    return this.loaded;
  }

  async temporal(): Promise<Client> {
    this.temporalClient ??= await connectClient(this.config, { inFlight: this.inFlight });
    return this.temporalClient;
  }

  db(): Db {
    if (!this.config.databaseUrl) {
      throw new CliError(
        `DATABASE_URL is not set and no \`npm start\` is running on ${this.config.dataDir}: ` +
          'start the stack (`npm start`, in another terminal), or set DATABASE_URL to your Postgres.',
      );
    }
    this.database ??= createDb(this.config.databaseUrl, { max: 4 });
    return this.database;
  }

  /** Settles every call still in flight (a progress query, a retry) before closing its connection. */
  async close(): Promise<void> {
    if (this.temporalClient) {
      await this.inFlight.settled();
      await this.temporalClient.connection.close();
    }
    await this.database?.destroy();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
