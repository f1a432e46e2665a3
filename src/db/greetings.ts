/** Greetings written by the greeting activity (the hello-world workflow). */
import type { Executor } from './database.js';

/**
 * Inserts the greeting unless a row with the same idempotency key exists; true when this call
 * wrote it.
 */
export async function insertGreetingOnce(
  db: Executor,
  greeting: { idempotencyKey: string; workflowId: string; name: string; message: string },
): Promise<boolean> {
  const inserted = await db
    .insertInto('greetings')
    .values({
      idempotency_key: greeting.idempotencyKey,
      workflow_id: greeting.workflowId,
      name: greeting.name,
      message: greeting.message,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}
