/**
 * Every migration, in order. Listed statically (not discovered by reading the folder) so they load
 * the same way under tsx, vitest and a bundler; test/db/migrations.test.ts checks none is missing.
 */
import type { Migration } from 'kysely';
import * as m20261123000000 from './20261123000000_greetings.js';
import * as m20261123000100 from './20261123000100_customer_data.js';
import * as m20261123000200 from './20261123000200_campaigns.js';
import * as m20261123000300 from './20261123000300_inbox.js';
import * as m20261127000000InboxParking from './20261127000000_inbox_parking.js';
import * as m20261127000000 from './20261127000000_message_batches.js';
import * as m20261127000100 from './20261127000100_journey_failures.js';
import * as m20261127100000 from './20261127100000_consent_times.js';
import * as m20261127120000 from './20261127120000_campaign_versions.js';
import * as m20261206000000 from './20261206000000_channels_by_adapter.js';
import * as m20261206000100 from './20261206000100_campaign_kinds_open.js';
import * as m20261206000200 from './20261206000200_consent_times_not_ahead.js';
import * as m20261206120000 from './20261206120000_provider_feedback.js';
import * as m20261206130000 from './20261206130000_delayed_messages.js';
import * as m20261206140000 from './20261206140000_contact_events.js';
import * as m20261207000000 from './20261207000000_checkouts.js';
import * as m20261207100000 from './20261207100000_orders_index_covers_summary.js';
import * as m20261207200000 from './20261207200000_journey_starts.js';
import * as m20261207300000 from './20261207300000_journey_starts_parking.js';
import * as m20261208000000 from './20261208000000_journey_end_run.js';
import * as m20261208100000 from './20261208100000_partial_refunds.js';

export const migrations: Record<string, Migration> = {
  '20261123000000_greetings': m20261123000000,
  '20261123000100_customer_data': m20261123000100,
  '20261123000200_campaigns': m20261123000200,
  '20261123000300_inbox': m20261123000300,
  '20261127000000_inbox_parking': m20261127000000InboxParking,
  '20261127000000_message_batches': m20261127000000,
  '20261127000100_journey_failures': m20261127000100,
  '20261127100000_consent_times': m20261127100000,
  '20261127120000_campaign_versions': m20261127120000,
  '20261206000000_channels_by_adapter': m20261206000000,
  '20261206000100_campaign_kinds_open': m20261206000100,
  '20261206000200_consent_times_not_ahead': m20261206000200,
  '20261206120000_provider_feedback': m20261206120000,
  '20261206130000_delayed_messages': m20261206130000,
  '20261206140000_contact_events': m20261206140000,
  '20261207000000_checkouts': m20261207000000,
  '20261207100000_orders_index_covers_summary': m20261207100000,
  '20261207200000_journey_starts': m20261207200000,
  '20261207300000_journey_starts_parking': m20261207300000,
  '20261208000000_journey_end_run': m20261208000000,
  '20261208100000_partial_refunds': m20261208100000,
};
