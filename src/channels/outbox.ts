/**
 * The default provider: nothing leaves the machine. The messaging activities write every message,
 * rendered, to the `messages` table before handing it to a provider, so for the outbox that row is
 * the message: "sending" it means finding it there and reporting its id. Read what would have gone
 * out with `SELECT subject, text FROM messages`.
 */
import type { Db } from '../db/database.js';
import { findMessageByKey } from '../db/messages.js';
import { rejectedFailure } from './provider-errors.js';
import type {
  EmailMessage,
  EmailProvider,
  SendOptions,
  SendResult,
  SmsMessage,
  SmsProvider,
} from './types.js';

export const OUTBOX_PROVIDER = 'outbox';

async function keep(db: Db, { idempotencyKey }: SendOptions): Promise<SendResult> {
  const id = (await findMessageByKey(db, idempotencyKey))?.id;
  if (id === undefined) {
    throw rejectedFailure(
      `the outbox keeps the messages the messaging activities record; no message has the key ${JSON.stringify(idempotencyKey)}`,
    );
  }
  return { providerMessageId: `outbox-${id}` };
}

export function createOutboxEmailProvider(db: Db): EmailProvider {
  return {
    name: OUTBOX_PROVIDER,
    send: (_message: EmailMessage, options: SendOptions) => keep(db, options),
  };
}

export function createOutboxSmsProvider(db: Db): SmsProvider {
  return {
    name: OUTBOX_PROVIDER,
    send: (_message: SmsMessage, options: SendOptions) => keep(db, options),
  };
}
