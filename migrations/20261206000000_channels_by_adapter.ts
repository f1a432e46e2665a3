import { type Kysely, sql } from 'kysely';

/**
 * Channels are adapters (src/channels/registry.ts): a message's channel is whichever adapter sent
 * it, so the database no longer repeats the list of channels.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_channel_check`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE messages ADD CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'sms'))`.execute(
    db,
  );
}
