/**
 * Every migration, in order. Listed statically (not discovered by reading the folder) so they load
 * the same way under tsx, vitest and a bundler; test/db/migrations.test.ts checks none is missing.
 */
import type { Migration } from 'kysely';
import * as m20261123000000 from './20261123000000_greetings.js';

export const migrations: Record<string, Migration> = {
  '20261123000000_greetings': m20261123000000,
};
