import { type Kysely, sql } from 'kysely';

/**
 * What the providers say after accepting a message: `message_feedback` keeps every delivery,
 * open, click, bounce, complaint and opt-out reply (one row per provider event), and
 * `suppressions` the addresses no marketing message may go to any more. A lifted suppression is
 * kept with who lifted it and why; at most one suppression of an address is in force.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_feedback')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull().unique())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('address', 'text')
    .addColumn('provider_message_id', 'text')
    .addColumn('message_id', 'bigint', (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX message_feedback_message ON message_feedback (message_id) WHERE message_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX message_feedback_address ON message_feedback (channel, lower(address), type, occurred_at)`.execute(
    db,
  );
  // Feedback names the message by the provider's id.
  await sql`CREATE INDEX messages_provider_message_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL`.execute(
    db,
  );

  await db.schema
    .createTable('suppressions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('lifted_reason', 'text')
    .execute();
  await sql`CREATE UNIQUE INDEX suppressions_in_force ON suppressions (channel, lower(address)) WHERE lifted_at IS NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('suppressions').execute();
  await sql`DROP INDEX IF EXISTS messages_provider_message_id`.execute(db);
  await db.schema.dropTable('message_feedback').execute();
}
