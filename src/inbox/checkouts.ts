/**
 * Applying the store's checkout events, and the order that completes a checkout. The checkout is
 * kept (src/db/checkouts.ts) whatever it says; then, only on a change:
 * - an open checkout of a contact with an email and newsletter consent starts the journeys of
 *   flows entered on `checkout_started` (one per checkout, deterministic ids: a checkout whose
 *   email came in a later update starts its journey then);
 * - new items reach the checkout's running journey as a `checkout_updated` flow event;
 * - its completion (the store's word, or an order naming it) and its deletion reach it as
 *   `checkout_completed` / `checkout_deleted`, which end the journeys of flows that exit on them
 *   at once, even during a wait — whether or not the order's webhook ever comes.
 * A checkout without a contact, without an email or without consent is kept and starts nothing.
 * Each write and what it tells journeys share a transaction: if a start or a signal fails, the
 * write is rolled back, so the retry finds the same change and acts on it again.
 */
import { campaignsStartedBy, type JourneyStart } from '../campaigns/enrolment.js';
import { signalFlowEvent } from '../campaigns/flow-events.js';
import type { FlowEvent } from '../campaigns/journey-contract.js';
import { resolveBuyers } from '../db/buyers.js';
import {
  type Checkout,
  completeCheckout,
  deleteCheckout,
  upsertCheckout,
} from '../db/checkouts.js';
import { findContact } from '../db/contacts.js';
import { CHECKOUT_EVENTS, checkoutEventProperties } from '../domain/checkouts.js';
import type { ContactInput } from '../domain/contacts.js';
import { counted } from '../domain/counted.js';
import {
  type ApplyDeps,
  enteredText,
  enterJourneys,
  RejectedEventError,
  startBeforeSignal,
} from './journey-entry.js';
import type { CheckoutDeletedEvent, CheckoutEvent } from './events.js';

export interface CheckoutResult {
  type: 'checkout_started' | 'checkout_updated';
  checkoutId: string;
  contactId: number | null;
  /** Stored for the first time, or its kept state changed, or nothing new. */
  stored: 'inserted' | 'updated' | 'unchanged';
  /** Completed (now or before): it starts nothing. */
  completed: boolean;
  journeys: JourneyStart[];
  /** Running journeys told of the checkout's change. */
  journeysSignalled: number;
  /** Why no journey may start for it (no contact, no email, no consent, completed). */
  startsNothing?: string;
}

export interface CheckoutDeletedResult {
  type: 'checkout_deleted';
  checkoutId: string;
  /** The checkout was known (a delete of one never received changes nothing). */
  known: boolean;
  journeysSignalled: number;
}

/** The checkout's contact: found or created from an email; none when nobody can be named. */
async function checkoutContact(
  deps: ApplyDeps,
  input: ContactInput | undefined,
): Promise<number | null> {
  if (!input) return null;
  const [buyer] = await resolveBuyers(deps.db, [input]);
  if (buyer!.outcome === 'unknown') return null;
  if (buyer!.outcome === 'rejected')
    throw new RejectedEventError(
      `contact: ${buyer!.field ? `${buyer!.field}: ` : ''}${buyer!.reason}`,
    );
  return buyer!.contactId;
}

function flowEvent(name: string, checkout: Checkout, at: Date): FlowEvent {
  return { name, properties: checkoutEventProperties(checkout), occurredAt: at.toISOString() };
}

/** Tells the checkout contact's running journeys that listen for `name` (its queued ones started first). */
async function tell(
  deps: ApplyDeps,
  checkout: Checkout,
  name: string,
  at: Date,
  skip?: ReadonlySet<string>,
): Promise<number> {
  if (checkout.contactId === null) return 0;
  await startBeforeSignal(deps, checkout.contactId, skip);
  return signalFlowEvent(
    { client: deps.temporal, db: deps.db },
    checkout.contactId,
    flowEvent(name, checkout, at),
    skip,
  );
}

export async function applyCheckout(
  deps: ApplyDeps,
  event: CheckoutEvent,
  receivedAt: Date,
): Promise<CheckoutResult> {
  const contactId = await checkoutContact(deps, event.contact);
  const at = event.occurredAt ?? receivedAt;
  return deps.db.transaction().execute(async (trx) => {
    const write = await upsertCheckout(trx, {
      ...event.checkout,
      currency: event.checkout.currency ?? deps.defaultCurrency ?? 'EUR',
      contactId,
      email: event.contact?.email ?? null,
      startedAt: event.checkout.startedAt ?? at,
      updatedAt: at,
    });
    const { checkout } = write;
    const base = {
      type: event.type,
      checkoutId: checkout.id,
      contactId: checkout.contactId,
      stored: write.inserted ? 'inserted' : write.changed ? 'updated' : 'unchanged',
      completed: checkout.completedAt !== null,
      journeys: [] as JourneyStart[],
      journeysSignalled: 0,
    } satisfies CheckoutResult;
    if (checkout.completedAt !== null || checkout.deletedAt !== null) {
      const journeysSignalled = write.completedNow
        ? await tell(deps, checkout, CHECKOUT_EVENTS.completed, checkout.completedAt ?? at)
        : 0;
      return { ...base, journeysSignalled, startsNothing: 'the checkout is completed or deleted' };
    }
    const contact = checkout.contactId ? await findContact(deps.db, checkout.contactId) : undefined;
    const startsNothing = !contact
      ? 'no contact (neither a known customer id nor an email)'
      : !contact.email
        ? 'the contact has no email'
        : contact.newsletterStatus !== 'subscribed'
          ? 'the contact has no email consent'
          : undefined;
    const journeys =
      contact && !startsNothing
        ? await enterJourneys(
            deps,
            await campaignsStartedBy(deps.db, CHECKOUT_EVENTS.started),
            contact,
            flowEvent(CHECKOUT_EVENTS.started, checkout, checkout.startedAt),
          )
        : [];
    // A journey started now has the checkout as it is; one running already is told of the change.
    const started = new Set(
      journeys.filter((j) => j.outcome === 'started').map((j) => j.workflowId),
    );
    // Other flows may wait for a checkout or exit on one (a browse journey ends once a checkout starts).
    const journeysSignalled =
      write.inserted || write.contactAttachedNow
        ? await tell(deps, checkout, CHECKOUT_EVENTS.started, at, started)
        : write.changed
          ? await tell(deps, checkout, CHECKOUT_EVENTS.updated, at, started)
          : 0;
    return { ...base, journeys, journeysSignalled, ...(startsNothing ? { startsNothing } : {}) };
  });
}

export async function applyCheckoutDeleted(
  deps: ApplyDeps,
  event: CheckoutDeletedEvent,
  receivedAt: Date,
): Promise<CheckoutDeletedResult> {
  const at = event.occurredAt ?? receivedAt;
  return deps.db.transaction().execute(async (trx) => {
    const deleted = await deleteCheckout(trx, {
      source: event.checkout.source,
      externalId: event.checkout.id,
      at,
    });
    const journeysSignalled = deleted?.deletedNow
      ? await tell(deps, deleted.checkout, CHECKOUT_EVENTS.deleted, at)
      : 0;
    return {
      type: 'checkout_deleted' as const,
      checkoutId: event.checkout.id,
      known: deleted !== undefined,
      journeysSignalled,
    };
  });
}

/**
 * A paid order naming its checkout completes it, and its journeys are told at once. A checkout
 * not received yet is completed when it comes (upsertCheckout finds the order).
 */
export async function completeCheckoutOfOrder(
  deps: ApplyDeps,
  order: { id: number; source: string; checkoutId: string; placedAt: Date },
): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const completed = await completeCheckout(trx, {
      source: order.source,
      externalId: order.checkoutId,
      orderId: order.id,
      at: order.placedAt,
    });
    if (!completed?.completedNow) return 0;
    return tell(deps, completed.checkout, CHECKOUT_EVENTS.completed, order.placedAt);
  });
}

export function describeCheckoutResult(result: CheckoutResult | CheckoutDeletedResult): string {
  if (result.type === 'checkout_deleted')
    return `checkout ${result.checkoutId} ${result.known ? 'deleted' : 'not known, nothing to delete'}; ${counted(result.journeysSignalled, 'running journey')} signalled`;
  return (
    `checkout ${result.checkoutId} ${result.stored}${result.contactId ? ` (contact ${result.contactId})` : ''}` +
    (result.startsNothing
      ? `; starts nothing: ${result.startsNothing}`
      : `; ${enteredText(result.journeys)}`) +
    `, ${counted(result.journeysSignalled, 'running journey')} signalled`
  );
}
