/**
 * Builds every activity from its dependencies; the worker is the one place that calls this.
 * Two groups: the main task queue's activities, and the sends, which run on their own task queue
 * beside the email sender and the shared provider rate limits.
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Channels } from '../channels/index.js';
import type { Sending } from '../channels/sending.js';
import type { Db } from '../db/database.js';
import { createCouponActivities } from './coupons.js';
import { createExperimentActivities } from './experiments.js';
import { createFlowActivities } from './flows.js';
import { createGreetingActivities } from './greeting.js';
import { createIndicatorActivities } from './indicators.js';
import { createJourneyActivities } from './journeys.js';
import { createLaunchActivities } from './launch.js';
import { createMessagingActivities } from './messaging.js';

export interface ActivityDeps {
  db: Db;
  config: Config;
  temporal: Client;
  channels: Channels;
  /** Journeys get Boomerang's search attributes (default); the time-skipping test server has none. */
  searchAttributes?: boolean;
  /** `temporal` is on the workers' own connection: journeys may start eagerly (enrolment.ts). */
  eagerStart?: boolean;
  /** The email sender's queue and the shared request rates (the messages worker's). */
  sending?: Pick<Sending, 'emailQueue' | 'smsRate'>;
}

export function createActivities(deps: ActivityDeps) {
  const starter = {
    client: deps.temporal,
    db: deps.db,
    taskQueue: deps.config.temporal.taskQueue,
    searchAttributes: deps.searchAttributes,
    eagerStart: deps.eagerStart,
  };
  return {
    ...createGreetingActivities(deps),
    ...createJourneyActivities(deps),
    ...createCouponActivities(deps),
    ...createFlowActivities(deps),
    ...createLaunchActivities(starter),
    ...createIndicatorActivities(starter),
    ...createExperimentActivities(deps),
  };
}

export function createMessageActivities(deps: ActivityDeps) {
  return createMessagingActivities({
    db: deps.db,
    channels: deps.channels,
    config: deps.config,
    emailQueue: deps.sending?.emailQueue,
    smsRate: deps.sending?.smsRate,
  });
}

export type Activities = ReturnType<typeof createActivities>;
