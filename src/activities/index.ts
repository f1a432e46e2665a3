/** Builds every activity from its dependencies; the worker is the one place that calls this. */
import type { Db } from '../db/database.js';
import { createGreetingActivities } from './greeting.js';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createGreetingActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
