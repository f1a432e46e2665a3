import { type Kysely, sql } from 'kysely';

/** Campaigns, coupon sets and coupons, messages (the outbox), journeys and their event log. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[a-z0-9][a-z0-9-]{0,62}$'`))
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(sql`kind IN ('low_clv_coupon', 'inactive_reactivation', 'welcome_voucher')`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status IN ('active', 'paused', 'stopped')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('coupon_sets')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[a-z0-9][a-z0-9-]{0,62}$'`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('low_stock_threshold', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('coupons')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('set_id', 'text', (c) =>
      c.notNull().references('coupon_sets.id').onDelete('cascade'),
    )
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('contact_id', 'bigint', (c) => c.references('contacts.id'))
    // The workflow step that claimed it: the same step always gets the same code back.
    .addColumn('assignment_key', 'text', (c) => c.unique())
    .addColumn('assigned_at', 'timestamptz')
    .addColumn('redeemed_order_id', 'bigint', (c) => c.references('orders.id'))
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX coupons_available ON coupons (set_id, id) WHERE assignment_key IS NULL`.execute(
    db,
  );

  // Every message Boomerang sent or would have sent. For the default `outbox` provider this is the
  // message itself, rendered, so a user can read what would have gone out.
  await db.schema
    .createTable('messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel IN ('email', 'sms')`))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('sending', 'sent', 'failed')`),
    )
    .addColumn('contact_id', 'bigint', (c) => c.notNull().references('contacts.id'))
    .addColumn('campaign_id', 'text', (c) => c.references('campaigns.id'))
    .addColumn('workflow_id', 'text')
    .addColumn('template', 'text')
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('html', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('provider_message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('messages_contact_created')
    .on('messages')
    .columns(['contact_id', 'created_at'])
    .execute();
  // Reports and metrics read a campaign's messages per journey.
  await db.schema
    .createIndex('messages_campaign_workflow')
    .on('messages')
    .columns(['campaign_id', 'workflow_id'])
    .execute();

  await db.schema
    .createTable('journeys')
    .addColumn('workflow_id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
    .addColumn('contact_id', 'bigint', (c) => c.notNull().references('contacts.id'))
    .addColumn('holdout', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('enrolled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text')
    .execute();
  await db.schema.createIndex('journeys_contact').on('journeys').column('contact_id').execute();
  await db.schema
    .createIndex('journeys_campaign')
    .on('journeys')
    .columns(['campaign_id', 'enrolled_at'])
    .execute();

  await db.schema
    .createTable('journey_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('step', 'text')
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('journey_events_campaign')
    .on('journey_events')
    .columns(['campaign_id', 'type'])
    .execute();
  await db.schema
    .createIndex('journey_events_workflow')
    .on('journey_events')
    .column('workflow_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'journey_events',
    'journeys',
    'messages',
    'coupons',
    'coupon_sets',
    'campaigns',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
