/**
 * What every CLI command shares: the validated config, and the Boomerang client (src/client.ts)
 * whose connections open on first use and are closed when the command ends. One factory, so no
 * command builds its own clients.
 */
import type { Client } from '@temporalio/client';
import { type BoomerangClient, createBoomerangClient, defaultConfig } from '../client.js';
import type { Config } from '../config.js';
import type { Db } from '../services/database.js';

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
  private loaded: Config | undefined;
  private opened: BoomerangClient | undefined;

  get config(): Config {
    this.loaded ??= defaultConfig();
    return this.loaded;
  }

  /** The client the commands work through; created on first use, so `--help` needs no config. */
  get client(): BoomerangClient {
    this.opened ??= createBoomerangClient({ config: this.config, eventSource: 'cli' });
    return this.opened;
  }

  temporal(): Promise<Client> {
    return this.client.temporal();
  }

  db(): Db {
    return this.client.db();
  }

  /** Settles every call still in flight (a progress query, a retry) before closing its connection. */
  async close(): Promise<void> {
    await this.opened?.close();
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
