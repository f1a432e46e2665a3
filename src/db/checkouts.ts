/**
 * Checkouts repository: one row per source and checkout id with the latest state the store
 * stated, and the checkout's end — completed (the store says so, or an order names it) or
 * deleted — written once. Each write says what changed, so the caller starts, updates or ends
 * the checkout's journey only on a change: a webhook delivered twice does nothing twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import type { CheckoutLineItem, CheckoutState } from '../domain/checkouts.js';
import { type Executor, inTransaction } from './database.js';
import type { CheckoutRow } from './schema.js';

export interface Checkout extends CheckoutState {
  rowId: number;
  contactId: number | null;
  email: string | null;
  startedAt: Date;
  /** The store's time of the state kept. */
  updatedAt: Date;
  completedAt: Date | null;
  deletedAt: Date | null;
  /** The order that completed it (orders.id). */
  orderId: number | null;
}

/** A checkout as the store states it at `updatedAt`. */
export interface CheckoutInput extends CheckoutState {
  contactId: number | null;
  email: string | null;
  startedAt: Date;
  updatedAt: Date;
  /** The store says the checkout became an order. */
  completedAt?: Date;
}

export interface CheckoutWrite {
  checkout: Checkout;
  /** The checkout was not known before. */
  inserted: boolean;
  /** The state kept changed (items, total, recovery URL…); false for a stale or repeated update. */
  changed: boolean;
  /** It became completed with this write (by the store's word, or by an order already received). */
  completedNow: boolean;
  /** It names a contact for the first time (a guest checkout whose email came later). */
  contactAttachedNow: boolean;
}

function toCheckout(row: CheckoutRow): Checkout {
  return {
    rowId: Number(row.id),
    id: row.external_id,
    source: row.source,
    contactId: row.contact_id === null ? null : Number(row.contact_id),
    email: row.email,
    currency: row.currency,
    total: Number(row.total),
    lineItems: row.line_items as CheckoutLineItem[],
    ...(row.recovery_url ? { recoveryUrl: row.recovery_url } : {}),
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at,
    deletedAt: row.deleted_at,
    orderId: row.order_id === null ? null : Number(row.order_id),
  };
}

function lockCheckout(db: Executor, source: string, externalId: string) {
  return db
    .selectFrom('checkouts')
    .selectAll()
    .where('source', '=', source)
    .where('external_id', '=', externalId)
    .forUpdate()
    .executeTakeFirst();
}

/** The paid order of `source` that names the checkout, if one came first. */
function orderNaming(db: Executor, source: string, externalId: string) {
  return db
    .selectFrom('orders')
    .select(['id', 'placed_at'])
    .where('source', '=', source)
    .where('checkout_id', '=', externalId)
    .where('status', '=', 'paid')
    .orderBy('placed_at')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Keeps a checkout's state. An update older than the state kept changes nothing but a
 * completion; a completion (or deletion) once written stays. A checkout whose order came first
 * is completed by that order as it is written.
 */
export async function upsertCheckout(db: Executor, input: CheckoutInput): Promise<CheckoutWrite> {
  return inTransaction(db, async (trx) => {
    const known = await lockCheckout(trx, input.source, input.id);
    const order = known?.order_id ? undefined : await orderNaming(trx, input.source, input.id);
    const completedAt =
      known?.completed_at ?? input.completedAt ?? (order ? order.placed_at : null);
    const state = {
      currency: input.currency,
      total: input.total,
      line_items: JSON.stringify(input.lineItems),
      recovery_url: input.recoveryUrl ?? null,
      updated_at: input.updatedAt,
      email: input.email ?? known?.email ?? null,
    };
    if (!known) {
      const row = await trx
        .insertInto('checkouts')
        .values({
          source: input.source,
          external_id: input.id,
          contact_id: input.contactId,
          started_at: input.startedAt,
          completed_at: completedAt,
          order_id: order ? Number(order.id) : null,
          ...state,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        checkout: toCheckout(row),
        inserted: true,
        changed: true,
        completedNow: completedAt !== null,
        contactAttachedNow: input.contactId !== null,
      };
    }
    const newer = input.updatedAt.getTime() >= known.updated_at.getTime();
    const changed =
      newer &&
      (Math.round(Number(known.total) * 100) !== Math.round(input.total * 100) ||
        known.currency !== input.currency ||
        (known.recovery_url ?? null) !== (input.recoveryUrl ?? null) ||
        // jsonb keeps its own key order: compared as values.
        !isDeepStrictEqual(known.line_items, JSON.parse(state.line_items)));
    const row = await trx
      .updateTable('checkouts')
      .set({
        ...(newer ? state : {}),
        contact_id: known.contact_id ?? input.contactId,
        completed_at: completedAt,
        order_id: known.order_id ?? (order ? Number(order.id) : null),
        received_at: sql<Date>`now()`,
      })
      .where('id', '=', known.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return {
      checkout: toCheckout(row),
      inserted: false,
      changed,
      completedNow: known.completed_at === null && completedAt !== null,
      contactAttachedNow: known.contact_id === null && input.contactId !== null,
    };
  });
}

/**
 * The checkout an order completes: its order and completion time, written once. Undefined when
 * the checkout is not known (its webhook may come later: upsertCheckout then completes it).
 */
export async function completeCheckout(
  db: Executor,
  ref: { source: string; externalId: string; orderId: number; at: Date },
): Promise<{ checkout: Checkout; completedNow: boolean } | undefined> {
  return inTransaction(db, async (trx) => {
    const known = await lockCheckout(trx, ref.source, ref.externalId);
    if (!known) return undefined;
    if (known.order_id !== null && known.completed_at !== null)
      return { checkout: toCheckout(known), completedNow: false };
    const row = await trx
      .updateTable('checkouts')
      .set({
        order_id: known.order_id ?? ref.orderId,
        completed_at: known.completed_at ?? ref.at,
        received_at: sql<Date>`now()`,
      })
      .where('id', '=', known.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { checkout: toCheckout(row), completedNow: known.completed_at === null };
  });
}

/** Marks a checkout deleted by the store, once. Undefined when it is not known. */
export async function deleteCheckout(
  db: Executor,
  ref: { source: string; externalId: string; at: Date },
): Promise<{ checkout: Checkout; deletedNow: boolean } | undefined> {
  return inTransaction(db, async (trx) => {
    const known = await lockCheckout(trx, ref.source, ref.externalId);
    if (!known) return undefined;
    if (known.deleted_at !== null) return { checkout: toCheckout(known), deletedNow: false };
    const row = await trx
      .updateTable('checkouts')
      .set({ deleted_at: ref.at, received_at: sql<Date>`now()` })
      .where('id', '=', known.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { checkout: toCheckout(row), deletedNow: true };
  });
}

const checkoutRows = (db: Executor) => db.selectFrom('checkouts').selectAll();

async function firstCheckout(
  query: ReturnType<typeof checkoutRows>,
): Promise<Checkout | undefined> {
  const row = await query.executeTakeFirst();
  return row && toCheckout(row);
}

export function findCheckout(
  db: Executor,
  source: string,
  externalId: string,
): Promise<Checkout | undefined> {
  return firstCheckout(
    checkoutRows(db).where('source', '=', source).where('external_id', '=', externalId),
  );
}

/** The contact's checkout the store updated last, if any (what a preview shows as the sample). */
export function latestCheckoutOf(db: Executor, contactId: number): Promise<Checkout | undefined> {
  return firstCheckout(
    checkoutRows(db)
      .where('contact_id', '=', contactId)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1),
  );
}
