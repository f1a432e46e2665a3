import { type Kysely, sql } from 'kysely';

/** Contacts, orders, value indicators, model fits, segments and segment memberships. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('email', 'text')
    .addColumn('phone', 'text', (c) => c.check(sql`phone ~ '^\\+[1-9][0-9]{6,14}$'`))
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('locale', 'text')
    .addColumn('timezone', 'text')
    .addColumn('country', 'text')
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('newsletter_status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('never')
        .check(sql`newsletter_status IN ('subscribed', 'unsubscribed', 'never')`),
    )
    .addColumn('newsletter_subscribed_at', 'timestamptz')
    .addColumn('newsletter_unsubscribed_at', 'timestamptz')
    .addColumn('sms_consent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('sms_consent_at', 'timestamptz')
    .addColumn('registered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One contact per email address in the shop, whatever its case.
  await sql`CREATE UNIQUE INDEX contacts_email_unique ON contacts (lower(email)) WHERE email IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('orders')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('import'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'bigint', (c) =>
      c.notNull().references('contacts.id').onDelete('cascade'),
    )
    .addColumn('placed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('total', 'numeric(14, 2)', (c) => c.notNull().check(sql`total >= 0`))
    .addColumn('currency', 'char(3)', (c) => c.notNull())
    .addColumn('coupon_code', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('paid')
        .check(sql`status IN ('paid', 'cancelled', 'refunded')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('orders_source_external_id_unique', ['source', 'external_id'])
    .execute();
  await db.schema
    .createIndex('orders_contact_placed_at')
    .on('orders')
    .columns(['contact_id', 'placed_at'])
    .execute();
  await db.schema
    .createIndex('orders_coupon_code')
    .on('orders')
    .column('coupon_code')
    .where(sql.ref('coupon_code'), 'is not', null)
    .execute();

  await db.schema
    .createTable('model_fits')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('model', 'text', (c) => c.notNull().check(sql`model IN ('bgnbd', 'gamma_gamma')`))
    .addColumn('parameters', 'jsonb', (c) => c.notNull())
    .addColumn('sample_size', 'integer', (c) => c.notNull())
    .addColumn('log_likelihood', 'double precision')
    .addColumn('converged', 'boolean', (c) => c.notNull())
    .addColumn('time_unit', 'text', (c) => c.notNull())
    .addColumn('fitted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Derived data, rebuilt whole by every recompute (a new table swapped in: see src/db/indicators.ts),
  // so it carries no foreign keys; a deleted contact's row goes with the next recompute.
  await db.schema
    .createTable('contact_indicators')
    .addColumn('contact_id', 'bigint', (c) => c.primaryKey())
    .addColumn('orders_count', 'integer', (c) => c.notNull())
    .addColumn('total_spent', 'numeric(14, 2)', (c) => c.notNull())
    .addColumn('first_order_at', 'timestamptz')
    .addColumn('last_order_at', 'timestamptz')
    // BG/NBD inputs (lifetimes' convention): repeat purchases, first→last and first→now in days.
    .addColumn('frequency', 'integer', (c) => c.notNull())
    .addColumn('recency_days', 'double precision', (c) => c.notNull())
    .addColumn('age_days', 'double precision', (c) => c.notNull())
    .addColumn('monetary_value', 'double precision', (c) => c.notNull())
    .addColumn('r_score', 'smallint')
    .addColumn('f_score', 'smallint')
    .addColumn('m_score', 'smallint')
    .addColumn('rfm_segment', 'text')
    .addColumn('probability_alive', 'double precision')
    .addColumn('forecast_purchases_12m', 'double precision')
    .addColumn('expected_order_value', 'double precision')
    .addColumn('clv_12m', 'double precision')
    .addColumn('bgnbd_fit_id', 'bigint')
    .addColumn('gamma_gamma_fit_id', 'bigint')
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .execute();

  // Work tables of the recompute: per-contact summaries, and the model outputs per distinct
  // (frequency, recency, age). Unlogged: rebuilt by every run, not worth WAL.
  await sql`CREATE UNLOGGED TABLE contact_summary_staging (
    contact_id bigint PRIMARY KEY,
    orders_count integer NOT NULL, total_spent numeric(14, 2) NOT NULL,
    first_order_at timestamptz NOT NULL, last_order_at timestamptz NOT NULL,
    frequency integer NOT NULL, recency_days double precision NOT NULL, age_days double precision NOT NULL,
    monetary_value double precision NOT NULL,
    r_score smallint NOT NULL, f_score smallint NOT NULL, m_score smallint NOT NULL, rfm_segment text NOT NULL)`.execute(
    db,
  );
  await sql`CREATE UNLOGGED TABLE indicator_model_grid (
    frequency integer NOT NULL, recency_days double precision NOT NULL, age_days double precision NOT NULL,
    PRIMARY KEY (frequency, recency_days, age_days))`.execute(db);
  // Model outputs per grid row, appended batch by batch (no index: publish hash-joins it).
  await sql`CREATE UNLOGGED TABLE indicator_model_outputs (
    frequency integer NOT NULL, recency_days double precision NOT NULL, age_days double precision NOT NULL,
    probability_alive double precision, forecast_purchases double precision)`.execute(db);

  await db.schema
    .createTable('segments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('preset', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // A row per stay in a segment: entered_at..exited_at (open while exited_at is null), so that
  // "entry into a segment" is a row whose entered_at is recent.
  await db.schema
    .createTable('segment_memberships')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('segment_id', 'bigint', (c) =>
      c.notNull().references('segments.id').onDelete('cascade'),
    )
    .addColumn('contact_id', 'bigint', (c) =>
      c.notNull().references('contacts.id').onDelete('cascade'),
    )
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('exited_at', 'timestamptz')
    .execute();
  await sql`CREATE UNIQUE INDEX segment_memberships_open ON segment_memberships (segment_id, contact_id) WHERE exited_at IS NULL`.execute(
    db,
  );
  await db.schema
    .createIndex('segment_memberships_entered')
    .on('segment_memberships')
    .columns(['segment_id', 'entered_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'segment_memberships',
    'segments',
    'indicator_model_outputs',
    'indicator_model_grid',
    'contact_summary_staging',
    'contact_indicators',
    'model_fits',
    'orders',
    'contacts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
