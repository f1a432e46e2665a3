import { type Kysely, sql } from 'kysely';

/**
 * Batched email sends and the provider rate limit shared by every worker:
 * - message_batches: a batch is written, with its members and idempotency key, before the request
 *   that sends it, so a retry after a crash sends the same emails under the same key;
 * - messages.batch_id: the batch a queued email went out in (null while it waits);
 * - provider_rate_limits: one row per channel, the next free request slot (a shared schedule).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('message_batches')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status IN ('sending', 'sent', 'failed')`),
    )
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('leased_until', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error', 'text')
    .execute();
  await sql`CREATE INDEX message_batches_unfinished ON message_batches (leased_until) WHERE status = 'sending'`.execute(
    db,
  );
  await db.schema
    .alterTable('messages')
    .addColumn('batch_id', 'bigint', (c) => c.references('message_batches.id'))
    .execute();
  await sql`CREATE INDEX messages_queued ON messages (channel, id) WHERE status = 'sending' AND batch_id IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL`.execute(
    db,
  );
  await db.schema
    .createTable('provider_rate_limits')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('next_slot_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('paused_until', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('factor', 'double precision', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('provider_rate_limits').execute();
  await db.schema.alterTable('messages').dropColumn('batch_id').execute();
  await db.schema.dropTable('message_batches').execute();
}
