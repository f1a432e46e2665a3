/**
 * Who placed an order: one rule for the store's events (src/inbox/apply.ts) and the order import
 * (src/import/orders.ts).
 *
 * - The store's customer id (`external_id`) identifies the contact.
 * - A customer id no contact has yet: the email finds the contact. An email-only contact gets the
 *   customer id. A contact that already has *another* customer id keeps it and its email: the
 *   buyer becomes a contact of its own (the customer id, without that email), the order is
 *   recorded on it, and the conflict is reported.
 * - Nobody found: a buyer with an email becomes a new contact; one without is `unknown` (the
 *   caller rejects the row or waits for the registration).
 */
import type { ContactField, ContactInput } from '../domain/contacts.js';
import { selectByKeys, upsertContacts } from './contacts.js';
import type { Executor } from './database.js';

export type BuyerResolution =
  | {
      outcome: 'found' | 'attached' | 'created';
      contactId: number;
      /** Set when the email belongs to a contact with another customer id (left as it was). */
      conflict?: string;
    }
  | { outcome: 'unknown'; reason: string }
  | { outcome: 'rejected'; field: ContactField | ''; reason: string };

type Write = { input: ContactInput; outcome: 'attached' | 'created'; conflict?: string };

/** The contact of each buyer, in input order, creating or completing contacts as the rule says. */
export async function resolveBuyers(
  db: Executor,
  buyers: readonly ContactInput[],
  opts: { now?: Date } = {},
): Promise<BuyerResolution[]> {
  const rows = await selectByKeys(db, buyers);
  const byExternal = new Map<string, { id: number; external_id: string | null }>();
  const byEmail = new Map<string, { id: number; external_id: string | null }>();
  for (const row of rows) {
    if (row.external_id) byExternal.set(row.external_id, row);
    if (row.email) byEmail.set(row.email.toLowerCase(), row);
  }

  const decided: (BuyerResolution | Write)[] = buyers.map((buyer) => {
    const known = buyer.externalId ? byExternal.get(buyer.externalId) : undefined;
    if (known) return { outcome: 'found', contactId: Number(known.id) };
    const owner = buyer.email ? byEmail.get(buyer.email.toLowerCase()) : undefined;
    if (owner && !buyer.externalId) return { outcome: 'found', contactId: Number(owner.id) };
    if (owner && !owner.external_id)
      return { input: { externalId: buyer.externalId, email: buyer.email }, outcome: 'attached' };
    if (owner)
      return {
        input: { ...buyer, email: undefined },
        outcome: 'created',
        conflict: `email "${buyer.email}" belongs to customer "${owner.external_id}"; the order is recorded on customer "${buyer.externalId}", without that email`,
      };
    if (buyer.email) return { input: buyer, outcome: 'created' };
    return {
      outcome: 'unknown',
      reason: `no contact has external_id "${buyer.externalId}" and there is no email to create one from`,
    };
  });

  // One write per contact, from the first buyer that names it.
  const keyOf = (input: ContactInput) =>
    input.externalId ? `x:${input.externalId}` : `e:${input.email!.toLowerCase()}`;
  const writes = new Map<string, Write>();
  for (const d of decided)
    if ('input' in d && !writes.has(keyOf(d.input))) writes.set(keyOf(d.input), d);
  const written = new Map<string, BuyerResolution>();
  if (writes.size > 0) {
    const keys = [...writes.keys()];
    const outcomes = await upsertContacts(
      db,
      [...writes.values()].map((w) => w.input),
      opts,
    );
    outcomes.forEach((o, i) => {
      const write = writes.get(keys[i]!)!;
      written.set(
        keys[i]!,
        o.action === 'rejected'
          ? { outcome: 'rejected', field: o.field, reason: o.reason }
          : {
              outcome: o.action === 'unchanged' ? 'found' : write.outcome,
              contactId: o.contact.id,
            },
      );
    });
  }
  return decided.map((d) => {
    if (!('input' in d)) return d;
    const result = written.get(keyOf(d.input))!;
    return d.conflict && result.outcome !== 'rejected'
      ? { ...result, conflict: d.conflict }
      : result;
  });
}
